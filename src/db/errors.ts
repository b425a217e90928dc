// Dialect-neutral recognition of the database errors that callers handle rather than report.

/** A UNIQUE or PRIMARY KEY constraint refused the row. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; errcode?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  // PostgreSQL SQLSTATE unique_violation
  if (e.code === '23505') return true;
  // node:sqlite extended result codes: SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE
  return e.errcode === 1555 || e.errcode === 2067;
}
