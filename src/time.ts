/**
 * Charger timestamps are stored normalised to `toISOString()` form (UTC, milliseconds), so that
 * text comparison orders them on both databases (ADR 0002). A value that does not parse is kept
 * as sent (schema validation already checked it is a date-time).
 */
export function toIsoTimestamp(ts: string): string {
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? ts : new Date(ms).toISOString();
}
