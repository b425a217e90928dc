// Station identities and passwords from patterns, and "min-max" ranges from the command line.

/** Digits `{n}` is padded to when the pattern gives no width: stable ids whatever the fleet size. */
export const DEFAULT_INDEX_WIDTH = 5;

const PLACEHOLDER = /\{(n|id)(?::(\d+))?\}/g;

/**
 * `SIM-{n}` -> SIM-00001; `{n:3}` pads to 3 digits, `{n:0}` not at all; `{id}` is the station
 * identity (for password patterns). A pattern without `{n}` is used as it is.
 */
export function formatPattern(pattern: string, index: number, stationId = ''): string {
  return pattern.replace(PLACEHOLDER, (_m, name: string, width: string | undefined) =>
    name === 'id' ? stationId : String(index).padStart(width === undefined ? DEFAULT_INDEX_WIDTH : Number(width), '0'),
  );
}

export function hasIndexPlaceholder(pattern: string): boolean {
  return /\{n(?::\d+)?\}/.test(pattern);
}

export interface Range {
  min: number;
  max: number;
}

/** "20-60" or "30" (seconds, kW...); fractions allowed. Throws with `what` in the message. */
export function parseRange(text: string, what: string): Range {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?))?\s*$/.exec(text);
  if (!m) throw new Error(`${what} must be a number or a range like 20-60, not "${text}"`);
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (max < min) throw new Error(`${what}: ${max} is less than ${min}`);
  return { min, max };
}
