// A streaming reader for multipart/form-data (RFC 7578) that hands the bytes of ONE file part
// to a sink as they arrive, so an upload of any size never sits in memory. Chargers that
// upload diagnostics with an HTML-form style POST send one file part, sometimes with a few
// small fields around it; the fields are skipped (with a size bound).

export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MultipartError';
  }
}

export interface FilePart {
  /** the filename parameter of Content-Disposition, if any */
  filename: string | null;
  contentType: string | null;
}

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_FIELD_BYTES = 64 * 1024;
const MAX_PREAMBLE_BYTES = 64 * 1024;

/** The boundary parameter of a multipart/form-data Content-Type, or null if it is not one. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

function parseHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

/** filename*=UTF-8''... (RFC 5987) wins over filename="..." */
function filenameOf(disposition: string | undefined): string | null {
  if (!disposition) return null;
  const extended = /;\s*filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (extended) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // fall through to the plain parameter
    }
  }
  const plain = /;\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(disposition);
  if (!plain) return null;
  return plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2];
}

type State = 'preamble' | 'afterDelimiter' | 'headers' | 'body' | 'done';

/**
 * Reads the multipart body from `source` and writes the content of the first part that is a
 * file (a filename, or else a Content-Type of its own) to `sink`. Resolves with that part's
 * metadata, or null when the body held no file part. Rejects with MultipartError for a body
 * that is not well-formed or ends before its closing delimiter.
 */
export async function extractFilePart(source: AsyncIterable<Buffer | string>, boundary: string, sink: (chunk: Buffer) => Promise<void>): Promise<FilePart | null> {
  // The delimiter includes the CRLF before it; a virtual CRLF in front of the body lets the
  // very first boundary (which has none) match the same way.
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const keep = delimiter.length - 1;
  let buf: Buffer = Buffer.from('\r\n');
  let state: State = 'preamble';
  let seen = 0;
  let found: FilePart | null = null;
  let capturing = false;
  let fieldBytes = 0;

  const emit = async (data: Buffer) => {
    if (data.length === 0) return;
    if (capturing) return sink(data);
    fieldBytes += data.length;
    if (fieldBytes > MAX_FIELD_BYTES) throw new MultipartError(`a form field is larger than ${MAX_FIELD_BYTES} bytes`);
  };

  const step = async (): Promise<boolean> => {
    switch (state) {
      case 'preamble': {
        const at = buf.indexOf(delimiter);
        if (at < 0) {
          seen += Math.max(0, buf.length - keep);
          if (seen > MAX_PREAMBLE_BYTES) throw new MultipartError('no multipart boundary found');
          buf = buf.subarray(Math.max(0, buf.length - keep));
          return false;
        }
        buf = buf.subarray(at + delimiter.length);
        state = 'afterDelimiter';
        return true;
      }
      case 'afterDelimiter': {
        // RFC 2046 §5.1.1: "--" closes the body; otherwise optional whitespace, then CRLF.
        const lineEnd = buf.indexOf('\r\n');
        if (buf.length >= 2 && buf[0] === 0x2d && buf[1] === 0x2d) {
          state = 'done';
          return false;
        }
        if (lineEnd < 0) {
          if (buf.length > 256) throw new MultipartError('malformed multipart boundary line');
          return false;
        }
        if (buf.subarray(0, lineEnd).toString('latin1').trim() !== '') throw new MultipartError('malformed multipart boundary line');
        buf = buf.subarray(lineEnd + 2);
        state = 'headers';
        return true;
      }
      case 'headers': {
        const end = buf.indexOf('\r\n\r\n');
        // A part without headers starts with the blank line at once.
        const emptyHeaders = buf.length >= 2 && buf[0] === 0x0d && buf[1] === 0x0a;
        if (end < 0 && !emptyHeaders) {
          if (buf.length > MAX_HEADER_BYTES) throw new MultipartError('multipart part headers are too large');
          return false;
        }
        const headerText = emptyHeaders ? '' : buf.subarray(0, end).toString('utf8');
        buf = buf.subarray(emptyHeaders ? 2 : end + 4);
        const headers = parseHeaders(headerText);
        const filename = filenameOf(headers.get('content-disposition'));
        const contentType = headers.get('content-type') ?? null;
        capturing = found === null && (filename !== null || contentType !== null);
        if (capturing) found = { filename, contentType };
        fieldBytes = 0;
        state = 'body';
        return true;
      }
      case 'body': {
        const at = buf.indexOf(delimiter);
        if (at < 0) {
          const safe = Math.max(0, buf.length - keep);
          await emit(buf.subarray(0, safe));
          buf = buf.subarray(safe);
          return false;
        }
        await emit(buf.subarray(0, at));
        buf = buf.subarray(at + delimiter.length);
        capturing = false;
        state = 'afterDelimiter';
        return true;
      }
      case 'done':
        return false;
    }
  };

  for await (const chunk of source) {
    // `state` changes inside step(), which the compiler cannot see from here.
    if ((state as State) === 'done') continue; // the epilogue is ignored
    buf = buf.length === 0 ? (typeof chunk === 'string' ? Buffer.from(chunk) : chunk) : Buffer.concat([buf, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
    while (await step()) {
      // keep parsing what is buffered
    }
  }
  if ((state as State) !== 'done') throw new MultipartError('the multipart body ended before its closing boundary');
  return found;
}
