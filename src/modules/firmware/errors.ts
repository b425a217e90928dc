// The firmware module's domain errors; routes.ts maps them to HTTP.

export class FirmwareNotFoundError extends Error {
  constructor(id: number) {
    super(`firmware ${id} not found`);
    this.name = 'FirmwareNotFoundError';
  }
}

/** The file is the one a running campaign hands out; deleting it would break the campaign's downloads. */
export class FirmwareInUseError extends Error {
  constructor(id: number) {
    super(`firmware ${id} is used by a running campaign; cancel the campaign first`);
    this.name = 'FirmwareInUseError';
  }
}

export class DiagnosticsFileNotFoundError extends Error {
  constructor(id: number) {
    super(`diagnostics file ${id} not found`);
    this.name = 'DiagnosticsFileNotFoundError';
  }
}

export class CampaignNotFoundError extends Error {
  constructor(id: number) {
    super(`firmware campaign ${id} not found`);
    this.name = 'CampaignNotFoundError';
  }
}

export class CampaignFinishedError extends Error {
  constructor(id: number, status: string) {
    super(`firmware campaign ${id} is already ${status}`);
    this.name = 'CampaignFinishedError';
  }
}

/** The operator's request cannot be carried out as given (nothing was sent or stored). */
export class InvalidFirmwareRequestError extends Error {
  readonly details: unknown;
  constructor(message: string, details?: unknown) {
    super(message);
    this.name = 'InvalidFirmwareRequestError';
    this.details = details;
  }
}
