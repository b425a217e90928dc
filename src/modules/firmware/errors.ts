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

/** Plugboard has no firmware signing key and certificate configured (files.firmwareSigning). */
export class SigningNotConfiguredError extends Error {
  constructor() {
    super('firmware signing is not configured: set files.firmwareSigning.keyFile and files.firmwareSigning.certificateFile (PLUGBOARD_FIRMWARE_SIGNING_KEY_FILE, PLUGBOARD_FIRMWARE_SIGNING_CERTIFICATE_FILE), or store the vendor\'s signature with PUT /firmware/{id}/signature');
    this.name = 'SigningNotConfiguredError';
  }
}

/** The configured signing key or certificate cannot be used (unreadable, readable by others, not a pair, ...). */
export class SigningKeyUnusableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyUnusableError';
  }
}

/** A signature given by the operator does not verify against the image. */
export class SignatureMismatchError extends Error {
  constructor(id: number) {
    super(
      `the signature does not verify against firmware ${id} with the signing certificate's public key ` +
        '(SHA-256 with RSA PKCS#1 v1.5 or ECDSA, DER-encoded, as openssl dgst -sha256 -sign makes it); ' +
        'check the signature and the certificate, or store it with unverified: true if the vendor uses another scheme the charger knows',
    );
    this.name = 'SignatureMismatchError';
  }
}

/** The signing certificate may not be used: expired, not yet valid, or revoked. Nothing was sent or stored. */
export class SigningCertificateRefusedError extends Error {
  readonly reason: 'expired' | 'not_yet_valid' | 'revoked';
  constructor(reason: 'expired' | 'not_yet_valid' | 'revoked', message: string) {
    super(message);
    this.name = 'SigningCertificateRefusedError';
    this.reason = reason;
  }
}
