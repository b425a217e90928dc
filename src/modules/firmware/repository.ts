// The firmware repository: images an operator uploads, kept on disk with their SHA-256, and
// served to chargers at an unguessable URL on the charger listener (charger-http.ts).
import { join } from 'node:path';
import type { AppContext } from '../../context.ts';
import type { FirmwareFilesTable } from '../../db/schema.ts';
import type { Selectable } from 'kysely';
import * as store from './store.ts';
import { isFirmwareInRunningCampaign } from './campaign-store.ts';
import { IncomingFile, newToken, receiveStream, removeStoredFile, safeFilename } from './files.ts';
import { FirmwareInUseError, FirmwareNotFoundError, InvalidFirmwareRequestError, SignatureMismatchError } from './errors.ts';
import { checkCertificateUsable, decodeSignature, loadSigningKey, parseSigningCertificate, signFile, verifyFile } from './signing.ts';

export type FirmwareFile = Selectable<FirmwareFilesTable>;

export interface FirmwareUpload {
  name?: string;
  version?: string;
  filename?: string;
}

/** A vendor's signature of an image, stored through the API (ADR 0011). */
export interface VendorSignature {
  /** base64 */
  signature: string;
  /** PEM X.509 */
  signingCertificate: string;
  /** store it without verifying it against the image (a scheme Plugboard cannot check); default false */
  unverified?: boolean;
}

export interface RepositoryDeps {
  ctx: AppContext;
  /** the base URL chargers reach the charger listener at */
  baseUrl(): string;
}

export function firmwareDirectory(ctx: AppContext): string {
  return join(ctx.config.files.directory, 'firmware');
}

export function createRepository({ ctx, baseUrl }: RepositoryDeps) {
  const db = ctx.db;
  const dir = () => firmwareDirectory(ctx);

  async function refuseWhileCampaignRuns(id: number): Promise<void> {
    if (await isFirmwareInRunningCampaign(db.kysely, id)) throw new FirmwareInUseError(id);
  }

  async function saveSignature(id: number, patch: Pick<FirmwareFile, 'signature' | 'signing_certificate' | 'signature_source' | 'signature_verified'>): Promise<FirmwareFile> {
    await db.write((trx) => store.patchFirmwareFile(trx, id, { ...patch, signed_at: patch.signature === null ? null : ctx.now().toISOString() }));
    return repository.get(id);
  }

  const repository = {
    /** Stores the bytes of `source` as a new firmware file. FileTooLargeError past files.maxFirmwareBytes. */
    async upload(source: AsyncIterable<Buffer | string>, meta: FirmwareUpload): Promise<FirmwareFile> {
      const name = meta.name?.trim() || meta.filename?.trim();
      if (!name) throw new InvalidFirmwareRequestError('give the firmware a name or a filename (query parameter or X-Firmware-Name / X-Firmware-Filename header)');
      // Headers are not schema-checked like the query: the same bounds, by hand.
      if (name.length > 200 || (meta.version?.length ?? 0) > 100) throw new InvalidFirmwareRequestError('name is limited to 200 characters, version to 100');
      const filename = safeFilename(meta.filename || meta.name, 'firmware.bin');
      const stored = await receiveStream(source, new IncomingFile(dir(), ctx.config.files.maxFirmwareBytes));
      const row = {
        name,
        version: meta.version?.trim() || null,
        filename,
        size_bytes: stored.sizeBytes,
        sha256: stored.sha256,
        download_token: newToken(),
        stored_name: stored.storedName,
        created_at: ctx.now().toISOString(),
        signature: null,
        signing_certificate: null,
        signature_source: null,
        signature_verified: null,
        signed_at: null,
      };
      try {
        const id = await db.write((trx) => store.insertFirmwareFile(trx, row));
        return { id, ...row };
      } catch (err) {
        await removeStoredFile(dir(), stored.storedName);
        throw err;
      }
    },

    async get(id: number): Promise<FirmwareFile> {
      const row = await store.getFirmwareFile(db.kysely, id);
      if (!row) throw new FirmwareNotFoundError(id);
      return row;
    },

    async listPage(page: { limit: number; offset: number }) {
      const [items, total] = await Promise.all([store.listFirmwareFiles(db.kysely, page), store.countFirmwareFiles(db.kysely)]);
      return { items, total };
    },

    /** Deletes the row, then the bytes. Refused while a running campaign hands the file out. */
    async remove(id: number): Promise<void> {
      const row = await repository.get(id);
      if (await isFirmwareInRunningCampaign(db.kysely, id)) throw new FirmwareInUseError(id);
      await db.write((trx) => store.deleteFirmwareFile(trx, id));
      await removeStoredFile(dir(), row.stored_name);
    },

    /**
     * Signs the image with Plugboard's configured firmware signing key (files.firmwareSigning)
     * and stores the signature with its certificate, replacing any earlier one.
     */
    async sign(id: number): Promise<FirmwareFile> {
      const row = await repository.get(id);
      const signing = await loadSigningKey(ctx.config.files.firmwareSigning);
      await checkCertificateUsable(signing.certificate, ctx.now(), (c) => ctx.services.certificates.isRevoked(c));
      await refuseWhileCampaignRuns(id);
      const signature = await signFile(repository.pathOf(row), signing.key);
      ctx.log.info({ firmwareId: id, certificateSerial: signing.certificate.serialNumber }, "firmware signed with Plugboard's signing key");
      return saveSignature(id, { signature, signing_certificate: signing.certificatePem, signature_source: 'plugboard', signature_verified: 1 });
    },

    /**
     * Stores a vendor's signature and signing certificate with the image. The certificate must
     * parse and be usable (not expired, not revoked); the signature must verify against the
     * image with the certificate's public key, unless the operator says `unverified`.
     */
    async storeSignature(id: number, input: VendorSignature): Promise<FirmwareFile> {
      const row = await repository.get(id);
      const cert = parseSigningCertificate(input.signingCertificate);
      const signature = decodeSignature(input.signature);
      await checkCertificateUsable(cert, ctx.now(), (c) => ctx.services.certificates.isRevoked(c));
      if (!input.unverified && !(await verifyFile(repository.pathOf(row), cert, signature))) throw new SignatureMismatchError(id);
      await refuseWhileCampaignRuns(id);
      ctx.log.info({ firmwareId: id, certificateSerial: cert.serialNumber, verified: !input.unverified }, "vendor's firmware signature stored");
      return saveSignature(id, {
        signature: input.signature.trim(),
        signing_certificate: input.signingCertificate.trim(),
        signature_source: 'vendor',
        signature_verified: input.unverified ? 0 : 1,
      });
    },

    /** Removes the image's signature (signed updates of it are then refused). */
    async removeSignature(id: number): Promise<FirmwareFile> {
      await repository.get(id);
      await refuseWhileCampaignRuns(id);
      return saveSignature(id, { signature: null, signing_certificate: null, signature_source: null, signature_verified: null });
    },

    byToken(token: string) {
      return store.firmwareFileByToken(db.kysely, token);
    },

    pathOf(file: FirmwareFile): string {
      return join(dir(), file.stored_name);
    },

    /** Where chargers download it: {publicBaseUrl}/files/firmware/{token}/{filename}. */
    downloadUrl(file: FirmwareFile): string {
      return `${baseUrl()}/files/firmware/${file.download_token}/${encodeURIComponent(file.filename)}`;
    },
  };
  return repository;
}

export type FirmwareRepository = ReturnType<typeof createRepository>;
