// Parses and checks a token import file (CSV with a header row). Pure: no database. Every
// row is judged on its own, so that one bad line costs that line only and is reported with
// its line number.
import { parse } from 'csv-parse/sync';
import { fromSpreadsheetCell } from '../../http/csv.ts';
import type { IdTag } from '../../db/schema.ts';

/** The columns of the import (and export) file, in export order. */
export const TOKEN_CSV_COLUMNS = ['idTag', 'parentIdTag', 'status', 'expiryDate', 'allowConcurrent', 'type'] as const;
/** The 2.0.1 IdTokenEnumType values a token's type may take (empty = untyped). */
export const TOKEN_TYPE_VALUES = ['Central', 'eMAID', 'ISO14443', 'ISO15693', 'KeyCode', 'Local', 'MacAddress', 'NoAuthorization'] as const;
export type TokenCsvColumn = (typeof TOKEN_CSV_COLUMNS)[number];

const STATUSES: readonly IdTag['status'][] = ['Accepted', 'Blocked', 'Expired', 'Invalid'];
const TRUE = new Set(['true', '1', 'yes', 'y']);
const FALSE = new Set(['false', '0', 'no', 'n', '']);
// A date, or a date-time with a zone: a time without a zone would depend on the server's.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
// OCPP 1.6 IdToken is CiString20Type.
export const MAX_ID_TAG_LENGTH = 20;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export interface ImportedToken {
  line: number;
  idTag: string;
  parentIdTag: string | null;
  status: IdTag['status'];
  expiryDate: string | null;
  allowConcurrent: boolean;
  type: string | null;
}

export interface ImportRowError {
  line: number;
  idTag: string | null;
  message: string;
}

export interface ParsedTokenCsv {
  /** the columns present in the header besides idTag: only these change on existing tokens */
  columns: Exclude<TokenCsvColumn, 'idTag'>[];
  rows: ImportedToken[];
  errors: ImportRowError[];
}

/** The file as a whole is unusable (no header, unknown column, broken quoting). */
export class TokenCsvError extends Error {
  readonly line: number | null;
  constructor(message: string, line: number | null = null) {
    super(message);
    this.name = 'TokenCsvError';
    this.line = line;
  }
}

function checkIdTag(value: string, field: string): string | null {
  if (value.length > MAX_ID_TAG_LENGTH) return `${field} is longer than ${MAX_ID_TAG_LENGTH} characters`;
  if (CONTROL.test(value)) return `${field} contains control characters`;
  return null;
}

export function parseTokenCsv(text: string): ParsedTokenCsv {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, { info: true, relax_column_count: true, skip_empty_lines: true, bom: true, trim: true }) as unknown as typeof records;
  } catch (err) {
    const e = err as { message: string; lines?: number };
    throw new TokenCsvError(`the file is not valid CSV: ${e.message}`, e.lines ?? null);
  }
  if (records.length === 0) throw new TokenCsvError(`the file is empty: a header row is required (${TOKEN_CSV_COLUMNS.join(',')})`);

  const header = records[0].record;
  const index = new Map<TokenCsvColumn, number>();
  header.forEach((name, i) => {
    const column = TOKEN_CSV_COLUMNS.find((c) => c.toLowerCase() === name.toLowerCase());
    if (!column) throw new TokenCsvError(`unknown column "${name}" in the header: the columns are ${TOKEN_CSV_COLUMNS.join(', ')}`, records[0].info.lines);
    if (index.has(column)) throw new TokenCsvError(`column ${column} appears twice in the header`, records[0].info.lines);
    index.set(column, i);
  });
  if (!index.has('idTag')) throw new TokenCsvError('the header row must name an idTag column', records[0].info.lines);

  const rows: ImportedToken[] = [];
  const errors: ImportRowError[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    // An export escapes formula-like cells with an apostrophe (src/http/csv.ts): undo it.
    const cell = (c: TokenCsvColumn) => fromSpreadsheetCell(index.has(c) ? (record[index.get(c)!] ?? '') : '');
    const idTag = cell('idTag');
    const fail = (message: string) => errors.push({ line, idTag: idTag || null, message });
    if (record.length !== header.length) {
      fail(`expected ${header.length} fields, found ${record.length}`);
      continue;
    }
    if (!idTag) {
      fail('idTag is empty');
      continue;
    }
    const idProblem = checkIdTag(idTag, 'idTag') ?? (cell('parentIdTag') ? checkIdTag(cell('parentIdTag'), 'parentIdTag') : null);
    if (idProblem) {
      fail(idProblem);
      continue;
    }
    const statusText = cell('status');
    const status = statusText ? STATUSES.find((s) => s.toLowerCase() === statusText.toLowerCase()) : 'Accepted';
    if (!status) {
      fail(`status "${statusText}" is not one of ${STATUSES.join(', ')}`);
      continue;
    }
    const expiryText = cell('expiryDate');
    if (expiryText && (!ISO_DATE.test(expiryText) || Number.isNaN(Date.parse(expiryText)))) {
      fail(`expiryDate "${expiryText}" is not an ISO-8601 date or date-time with a zone (e.g. 2027-01-31T00:00:00Z)`);
      continue;
    }
    const concurrentText = cell('allowConcurrent').toLowerCase();
    if (!TRUE.has(concurrentText) && !FALSE.has(concurrentText)) {
      fail(`allowConcurrent "${cell('allowConcurrent')}" is not true or false`);
      continue;
    }
    const typeText = cell('type');
    const type = typeText ? TOKEN_TYPE_VALUES.find((t) => t.toLowerCase() === typeText.toLowerCase()) : null;
    if (type === undefined) {
      fail(`type "${typeText}" is not one of ${TOKEN_TYPE_VALUES.join(', ')} (or empty)`);
      continue;
    }
    const earlier = seen.get(idTag);
    if (earlier !== undefined) {
      fail(`idTag ${idTag} appears again (first on line ${earlier})`);
      continue;
    }
    seen.set(idTag, line);
    rows.push({
      line,
      idTag,
      parentIdTag: cell('parentIdTag') || null,
      status,
      expiryDate: expiryText ? new Date(expiryText).toISOString() : null,
      allowConcurrent: TRUE.has(concurrentText),
      type,
    });
  }
  return { columns: TOKEN_CSV_COLUMNS.filter((c) => c !== 'idTag' && index.has(c)) as ParsedTokenCsv['columns'], rows, errors };
}
