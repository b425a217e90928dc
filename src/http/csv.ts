// Every CSV Plugboard writes goes through csvWriter, so that no cell becomes a spreadsheet
// formula when an operator opens the file (CSV injection). CSV Plugboard reads back (token
// import) undoes the escape with fromSpreadsheetCell, so export -> import keeps every value.
import { stringify, type Stringifier } from 'csv-stringify';

const FORMULA_START = /^'*[=+\-@\t\r]/;
const NUMBER = /^[-+]?\d+(\.\d+)?$/;

/**
 * A cell starting with = + - @ tab or CR (after any apostrophes) gets one more leading
 * apostrophe, as OWASP recommends; plain numbers (`-0.100`) are left alone, they are no formula.
 * The apostrophes already there are counted so that fromSpreadsheetCell is its exact inverse.
 */
export function spreadsheetSafe(text: string | null): string {
  if (text === null) return '';
  return FORMULA_START.test(text) && !NUMBER.test(text) ? `'${text}` : text;
}

/** The inverse of spreadsheetSafe, for a cell read from a CSV file. */
export function fromSpreadsheetCell(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text) ? text.slice(1) : text;
}

/** A CSV stringifier with a header row whose every string cell is spreadsheetSafe. */
export function csvWriter(columns: readonly string[]): Stringifier {
  return stringify({ header: true, columns: [...columns], cast: { string: (value) => spreadsheetSafe(value) } });
}
