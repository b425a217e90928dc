/**
 * Charger timestamps are stored normalised to `toISOString()` form (UTC, milliseconds), so that
 * text comparison orders them on both databases (ADR 0002). OCPP times are UTC: a date-time
 * without a zone designator ("2026-12-02T16:00:00") is read as UTC, never in the server's local
 * time zone (which Date.parse would use). A value that does not parse is kept as sent (schema
 * validation already checked it is a date-time).
 */
export function toIsoTimestamp(ts: string): string {
  const ms = Date.parse(ZONELESS_DATE_TIME.test(ts) ? `${ts}Z` : ts);
  return Number.isNaN(ms) ? ts : new Date(ms).toISOString();
}

/** A date and a time of day with no Z or ±hh:mm after it. */
const ZONELESS_DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;
