// The streaming multipart/form-data reader of the diagnostics receiver, fed in chunks of every
// size (a delimiter split across chunks is the case that breaks naive parsers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { extractFilePart, multipartBoundary, MultipartError } from '../../src/modules/firmware/multipart.ts';

const BOUNDARY = '----PlugboardBoundary7MA4YWxkTrZu0gW';

function body(file: Buffer, opts: { preamble?: string; epilogue?: string; filename?: string } = {}): Buffer {
  return Buffer.concat([
    Buffer.from(opts.preamble ?? ''),
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n`),
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${opts.filename ?? 'diag.log'}"\r\nContent-Type: text/plain\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="after"\r\n\r\nx\r\n--${BOUNDARY}--\r\n${opts.epilogue ?? ''}`),
  ]);
}

async function* chunked(buf: Buffer, size: number | (() => number)): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; ) {
    const n = typeof size === 'number' ? size : size();
    yield buf.subarray(i, i + n);
    i += n;
  }
}

async function extract(buf: Buffer, size: number | (() => number)) {
  const out: Buffer[] = [];
  const part = await extractFilePart(chunked(buf, size), BOUNDARY, async (c) => {
    out.push(Buffer.from(c));
  });
  return { part, data: Buffer.concat(out) };
}

test('the file part comes out byte for byte whatever the chunk sizes, fields and epilogue skipped', async () => {
  // Content full of CRLFs and near-delimiters.
  const file = Buffer.concat([Buffer.from(`\r\n--${BOUNDARY.slice(0, -1)}\r\n`), randomBytes(3000), Buffer.from(`\r\n-${BOUNDARY}`), Buffer.from('\r\n')]);
  const whole = body(file, { preamble: 'This is the preamble.\r\n', epilogue: 'trailing junk' });
  for (const size of [1, 2, 3, 7, 38, 39, 40, 41, 64, 1000, whole.length]) {
    const { part, data } = await extract(whole, size);
    assert.deepEqual(part, { filename: 'diag.log', contentType: 'text/plain' }, `chunk ${size}`);
    assert.ok(data.equals(file), `chunk size ${size}`);
  }
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 97) + 1;
  for (let i = 0; i < 20; i++) assert.ok((await extract(whole, random)).data.equals(file));
});

test('an empty file part, quoted and RFC 5987 filenames', async () => {
  assert.equal((await extract(body(Buffer.alloc(0)), 5)).data.length, 0);
  assert.equal((await extract(body(Buffer.from('x'), { filename: 'a \\"b\\".txt' }), 9)).part?.filename, 'a "b".txt');
  const ext = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="fallback"; filename*=UTF-8''%E2%82%AC.log\r\n\r\nz\r\n--${BOUNDARY}--`);
  assert.equal((await extract(ext, 4)).part?.filename, '€.log');
});

test('a body without a file part gives null; a truncated or garbled one is a MultipartError', async () => {
  const fieldsOnly = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--${BOUNDARY}--\r\n`);
  assert.equal((await extract(fieldsOnly, 3)).part, null);
  const whole = body(Buffer.from('data'));
  await assert.rejects(extract(whole.subarray(0, whole.length - 10), 8), MultipartError);
  await assert.rejects(extract(Buffer.from('no boundary anywhere'.repeat(5000)), 1000), MultipartError);
  await assert.rejects(extract(Buffer.from(`--${BOUNDARY}garbage\r\n`), 4), MultipartError);
});

test('the boundary is read from Content-Type, quoted or not; other types are not multipart', () => {
  assert.equal(multipartBoundary(`multipart/form-data; boundary=${BOUNDARY}`), BOUNDARY);
  assert.equal(multipartBoundary('multipart/form-data; charset=utf-8; boundary="a b:c"'), 'a b:c');
  assert.equal(multipartBoundary('Multipart/Form-Data;boundary=x'), 'x');
  assert.equal(multipartBoundary('application/octet-stream'), null);
  assert.equal(multipartBoundary('multipart/form-data'), null);
  assert.equal(multipartBoundary(undefined), null);
});
