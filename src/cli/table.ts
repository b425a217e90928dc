// Output of the CLI's list commands: a plain table for people (headers, aligned columns, no
// index column, "-" for nothing), or one JSON document for scripts (--json).

export interface Column<T> {
  header: string;
  value(row: T): string | number | boolean | null | undefined;
}

export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join('\n');
}

/** A list command's output: the rows as JSON for scripts, else the table, on stdout. */
export function printList<T>(rows: readonly T[], columns: readonly Column<T>[], json: boolean): void {
  console.log(json ? JSON.stringify(rows, null, 2) : formatTable(rows, columns));
}

function cell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined || v === '') return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  // One row per line: a value with a line break or a tab would break the columns.
  return String(v).replace(/[\r\n\t]+/g, ' ');
}
