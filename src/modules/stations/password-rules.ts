// The one rule for a station's Basic-auth password (AuthorizationKey), shared by the API schema
// (api.ts StationPassword), the CLI (`stations add --password`, `stations password`) and the
// service (create, update, setPassword), so no path stores a password the others would refuse.
// Security Whitepaper 1.6, AuthorizationKey: 16 to 20 bytes, written as at most 40 characters.

export const MIN_STATION_PASSWORD_LENGTH = 16;
export const MAX_STATION_PASSWORD_LENGTH = 40;

/** What is wrong with a station password, or null when it is allowed. Length in characters, as the API schema counts. */
export function stationPasswordProblem(password: string): string | null {
  const length = [...password].length;
  if (length < MIN_STATION_PASSWORD_LENGTH || length > MAX_STATION_PASSWORD_LENGTH) {
    return `a station password must be ${MIN_STATION_PASSWORD_LENGTH} to ${MAX_STATION_PASSWORD_LENGTH} characters long (got ${length})`;
  }
  return null;
}

export class InvalidStationPasswordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStationPasswordError';
  }
}

/** Throws InvalidStationPasswordError unless the password is allowed; null or absent (no password) is allowed. */
export function assertStationPassword(password: string | null | undefined): void {
  if (password === null || password === undefined) return;
  const problem = stationPasswordProblem(password);
  if (problem !== null) throw new InvalidStationPasswordError(problem);
}
