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
import { FirmwareFileView, FirmwareUpdateView, mapped, PAST_LIMIT, TimelineEntry, toFirmwareFile, toFirmwareUpdate, toTimeline } from './schemas.ts';
import { registerDiagnosticsRoutes } from './diagnostics-routes.ts';
import { registerCampaignRoutes } from './campaign-routes.ts';

const tags = ['Firmware'];
const NotFound = { 404: Type.Ref('ErrorBody') };

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
        }),
        response: { 201: FirmwareFileView, 413: Type.Ref('ErrorBody'), 415: Type.Ref('ErrorBody'), ...standardErrors },
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
        const file = await mapped(() => firmware().repository.upload(req.body as IncomingMessage, meta));
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

  api.post('/stations/:id/firmware-update', {
    schema: {
      tags,
      summary: 'Update a charger\'s firmware (UpdateFirmware)',
      description:
        'Give firmwareId (a file of the repository: its download URL is sent) or location (any URL the charger can retrieve). ' +
        'retrieveDate defaults to now. The update is recorded before it is sent; FirmwareStatusNotifications and the next ' +
        'BootNotification\'s firmwareVersion are tracked on it (GET /stations/{id}/firmware-status). ' + COMMAND_DESCRIPTION,
      params: IdParam,
      querystring: TimeoutQuery,
      body: Type.Object(
        {
          firmwareId: Type.Optional(Type.Integer({ minimum: 1 })),
          location: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, format: 'uri' })),
          retrieveDate: Type.Optional(Type.String({ format: 'date-time' })),
          retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
          retryInterval: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400, description: 'seconds' })),
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
