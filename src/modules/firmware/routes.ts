// REST endpoints of the firmware repository, UpdateFirmware and the firmware status timeline;
// diagnostics and campaigns have their own files.
import { createReadStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Api } from '../../http/types.ts';
import { HttpError } from '../../http/errors.ts';
import { IdParam, NumericIdParam, Page, PageQuery, standardErrors } from '../../http/schemas.ts';
import { Nullable } from '../../http/list-query.ts';
import { StationNotFoundError } from '../stations/service.ts';
import { COMMAND_DESCRIPTION, commandErrors, TimeoutQuery, timeoutMs } from '../commands/schemas.ts';
import { CertificateInfoView, FirmwareFileView, FirmwareUpdateView, mapped, PAST_LIMIT, TimelineEntry, toFirmwareFile, toFirmwareUpdate, toTimeline } from './schemas.ts';
import { certificateInfo, loadSigningKey, MAX_CERTIFICATE_CHARS, MAX_SIGNATURE_CHARS } from './signing.ts';
import { registerDiagnosticsRoutes } from './diagnostics-routes.ts';
import { registerCampaignRoutes } from './campaign-routes.ts';

const tags = ['Firmware'];
const NotFound = { 404: Type.Ref('ErrorBody') };
const Conflict = { 409: Type.Ref('ErrorBody') };
const SIGNING_DESCRIPTION =
  'Signature scheme (ADR 0011): SHA-256 over the whole image, RSA PKCS#1 v1.5 for an RSA key or ECDSA (DER) for an EC key, base64; ' +
  'what openssl dgst -sha256 -sign key.pem image.bin makes.';

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export async function registerRoutes(api: Api, ctx: AppContext): Promise<void> {
  const firmware = () => ctx.services.firmware;
  const view = (f: Parameters<typeof toFirmwareFile>[0]) => toFirmwareFile(f, firmware().repository.downloadUrl(f));

  // The upload takes the raw body as a stream (no JSON, no buffering of the whole image): its
  // parser is registered in a child scope so that it applies to this route only.
  await api.register(async (plain) => {
    const scope = plain as unknown as Api;
    scope.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
    scope.post('/firmware', {
      schema: {
        tags,
        summary: 'Upload a firmware image (raw body, application/octet-stream)',
        description:
          'The body is the file itself. Name, version and filename come from the query or from the X-Firmware-Name, ' +
          'X-Firmware-Version and X-Firmware-Filename headers (name or filename is required). The file is stored with its SHA-256, ' +
          'and chargers download it from downloadUrl on the charger listener. 413 beyond files.maxFirmwareBytes.',
        querystring: Type.Object({
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          version: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          filename: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          sign: Type.Optional(Type.Boolean({ description: "sign it with Plugboard's firmware signing key once stored (as POST /firmware/{id}/sign); 409 if signing is not configured (the file is then not kept)" })),
        }),
        response: { 201: FirmwareFileView, ...Conflict, 413: Type.Ref('ErrorBody'), 415: Type.Ref('ErrorBody'), ...standardErrors },
      },
    }, async (req, reply) => {
      // The JSON parser of the parent scope still applies here: only a raw body is a file.
      if (!/^application\/octet-stream\b/i.test(req.headers['content-type'] ?? '')) {
        throw new HttpError(415, 'unsupported_media_type', 'send the firmware file as the raw body with Content-Type: application/octet-stream');
      }
      const max = ctx.config.files.maxFirmwareBytes;
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > max) {
        // The unread body would otherwise be taken for the next request on this connection.
        reply.header('connection', 'close');
        throw new HttpError(413, 'file_too_large', `the file is larger than the limit of ${max} bytes`, { maxBytes: max });
      }
      const meta = {
        name: req.query.name ?? headerValue(req.headers['x-firmware-name']),
        version: req.query.version ?? headerValue(req.headers['x-firmware-version']),
        filename: req.query.filename ?? headerValue(req.headers['x-firmware-filename']),
      };
      try {
        // Checked before the body is read, so a refused upload costs nothing.
        if (req.query.sign) {
          await mapped(() => loadSigningKey(ctx.config.files.firmwareSigning)).catch((err: unknown) => {
            reply.header('connection', 'close'); // the body is left unread
            throw err;
          });
        }
        let file = await mapped(() => firmware().repository.upload(req.body as IncomingMessage, meta));
        if (req.query.sign) {
          const id = Number(file.id);
          file = await mapped(() => firmware().repository.sign(id)).catch(async (err: unknown) => {
            await firmware().repository.remove(id).catch(() => {});
            throw err;
          });
        }
        return reply.code(201).send(view(file));
      } catch (err) {
        if (err instanceof HttpError && err.statusCode === 413) reply.header('connection', 'close');
        throw err;
      }
    });
  });

  api.get('/firmware', {
    schema: { tags, summary: 'List the firmware repository, newest first', querystring: PageQuery, response: { 200: Page(FirmwareFileView), ...standardErrors } },
  }, async (req) => {
    const { limit = 50, offset = 0 } = req.query;
    const page = await firmware().repository.listPage({ limit, offset });
    return { items: page.items.map(view), total: page.total, limit, offset };
  });

  api.get('/firmware/:id', {
    schema: { tags, summary: 'One firmware file', params: NumericIdParam, response: { 200: FirmwareFileView, ...NotFound, ...standardErrors } },
  }, (req) => mapped(async () => view(await firmware().repository.get(req.params.id))));

  api.get('/firmware/:id/content', {
    schema: { tags, summary: 'Download a firmware file', params: NumericIdParam, response: { ...NotFound, ...standardErrors } },
  }, (req, reply) =>
    mapped(async () => {
      const file = await firmware().repository.get(req.params.id);
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-length', Number(file.size_bytes))
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .send(createReadStream(firmware().repository.pathOf(file)));
    }),
  );

  api.delete('/firmware/:id', {
    schema: {
      tags,
      summary: 'Delete a firmware file (its download URL stops working)',
      description: '409 while a running campaign uses it.',
      params: NumericIdParam,
      response: { 204: Type.Null(), ...NotFound, 409: Type.Ref('ErrorBody'), ...standardErrors },
    },
  }, (req, reply) =>
    mapped(async () => {
      await firmware().repository.remove(req.params.id);
      return reply.code(204).send(null);
    }),
  );

  api.get('/firmware-signing', {
    schema: {
      tags,
      summary: "Plugboard's firmware signing key: configured and usable, and its certificate",
      description: 'files.firmwareSigning.keyFile / certificateFile. problem says why signing would be refused. ' + SIGNING_DESCRIPTION,
      response: {
        200: Type.Object({ configured: Type.Boolean(), usable: Type.Boolean(), certificate: Type.Union([CertificateInfoView, Type.Null()]), problem: Nullable(Type.String()) }),
        ...standardErrors,
      },
    },
  }, async () => {
    const settings = ctx.config.files.firmwareSigning;
    const configured = Boolean(settings.keyFile && settings.certificateFile);
    try {
      const key = await loadSigningKey(settings);
      const info = certificateInfo(key.certificate);
      const expired = Date.parse(info.validTo) <= ctx.now().getTime();
      return { configured, usable: !expired, certificate: info, problem: expired ? `the signing certificate expired at ${info.validTo}` : null };
    } catch (err) {
      return { configured, usable: false, certificate: null, problem: (err as Error).message };
    }
  });

  api.post('/firmware/:id/sign', {
    schema: {
      tags,
      summary: "Sign a firmware image with Plugboard's signing key",
      description: 'Replaces any signature stored with it. 409 when signing is not configured or the key or certificate cannot be used (expired, revoked, readable by others), or a running campaign hands the file out. ' + SIGNING_DESCRIPTION,
      params: NumericIdParam,
      response: { 200: FirmwareFileView, ...NotFound, ...Conflict, ...standardErrors },
    },
  }, (req) => mapped(async () => view(await firmware().repository.sign(req.params.id))));

  api.put('/firmware/:id/signature', {
    schema: {
      tags,
      summary: "Store a vendor's signature and signing certificate with a firmware image",
      description:
        'The certificate must parse and be valid (409 when expired or revoked); the signature must verify against the image with its public key (422 signature_invalid), ' +
        'unless unverified: true (for a vendor scheme Plugboard cannot check; the charger still verifies it, and the file is shown as unverified). ' + SIGNING_DESCRIPTION,
      params: NumericIdParam,
      body: Type.Object(
        {
          signature: Type.String({ minLength: 4, maxLength: MAX_SIGNATURE_CHARS, description: 'base64' }),
          signingCertificate: Type.String({ minLength: 1, maxLength: MAX_CERTIFICATE_CHARS, description: 'PEM X.509 certificate' }),
          unverified: Type.Optional(Type.Boolean({ default: false })),
        },
        { additionalProperties: false },
      ),
      response: { 200: FirmwareFileView, ...NotFound, ...Conflict, 422: Type.Ref('ErrorBody'), ...standardErrors },
    },
  }, (req) => mapped(async () => view(await firmware().repository.storeSignature(req.params.id, req.body))));

  api.delete('/firmware/:id/signature', {
    schema: {
      tags,
      summary: "Remove a firmware image's signature",
      description: '409 while a running campaign hands the file out.',
      params: NumericIdParam,
      response: { 200: FirmwareFileView, ...NotFound, ...Conflict, ...standardErrors },
    },
  }, (req) => mapped(async () => view(await firmware().repository.removeSignature(req.params.id))));

  api.post('/stations/:id/firmware-update', {
    schema: {
      tags,
      summary: 'Update a charger\'s firmware (UpdateFirmware)',
      description:
        'Give firmwareId (a file of the repository: its download URL is sent) or location (any URL the charger can retrieve). ' +
        'retrieveDate defaults to now. The update is recorded before it is sent; FirmwareStatusNotifications and the next ' +
        'BootNotification\'s firmwareVersion are tracked on it (GET /stations/{id}/firmware-status). ' +
        'signed: true sends SignedUpdateFirmware (Security Whitepaper) instead, with requestId = the update\'s id: with firmwareId the file\'s stored signature and certificate ' +
        '(400 if it has none), with location the signature and signingCertificate given here; a signing certificate that is expired or revoked is refused (409) and nothing is sent. ' +
        'The charger\'s refusal (Rejected, InvalidCertificate, RevokedCertificate) is answered 200 with commandStatus rejected and the failure. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      querystring: TimeoutQuery,
      body: Type.Object(
        {
          firmwareId: Type.Optional(Type.Integer({ minimum: 1 })),
          location: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, format: 'uri' })),
          retrieveDate: Type.Optional(Type.String({ format: 'date-time' })),
          retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
          retryInterval: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400, description: 'seconds' })),
          signed: Type.Optional(Type.Boolean({ description: 'send SignedUpdateFirmware', default: false })),
          installDate: Type.Optional(Type.String({ format: 'date-time', description: 'signed only: installDateTime' })),
          signature: Type.Optional(Type.String({ minLength: 4, maxLength: MAX_SIGNATURE_CHARS, description: 'signed with location only: base64 signature' })),
          signingCertificate: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CERTIFICATE_CHARS, description: 'signed with location only: PEM certificate' })),
        },
        { additionalProperties: false },
      ),
      response: { 200: FirmwareUpdateView, ...commandErrors, ...standardErrors },
    },
  }, (req) => mapped(async () => toFirmwareUpdate(await firmware().updates.request(req.params.id, req.body, { timeoutMs: timeoutMs(req.query) }))));

  api.get('/stations/:id/firmware-status', {
    schema: {
      tags,
      summary: 'A charger\'s firmware: current version, recent updates, FirmwareStatusNotification timeline',
      description: 'updates newest first; timeline oldest first (the most recent `limit` notifications), each linked to the update it reports on.',
      params: IdParam,
      querystring: PAST_LIMIT,
      response: {
        200: Type.Object({
          stationId: Type.String(),
          firmwareVersion: Nullable(Type.String({ description: 'as of the last BootNotification' })),
          latestUpdate: Type.Union([FirmwareUpdateView, Type.Null()]),
          updates: Type.Array(FirmwareUpdateView),
          timeline: Type.Array(TimelineEntry),
        }),
        ...NotFound,
        ...standardErrors,
      },
    },
  }, async (req) => {
    const station = await ctx.services.stations.get(req.params.id);
    if (!station) throw new StationNotFoundError(req.params.id);
    const { updates, timeline } = await firmware().updates.stationHistory(req.params.id, req.query.limit ?? 50);
    const list = updates.map(toFirmwareUpdate);
    return { stationId: station.id, firmwareVersion: station.firmware_version, latestUpdate: list[0] ?? null, updates: list, timeline: toTimeline(timeline) };
  });

  registerDiagnosticsRoutes(api, ctx);
  registerCampaignRoutes(api, ctx);
}
