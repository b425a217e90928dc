// REST endpoints of GetDiagnostics, the diagnostics status timeline and the uploaded files.
import { createReadStream } from 'node:fs';
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Api } from '../../http/types.ts';
import { IdParam, NumericIdParam, Page, PageQuery, standardErrors } from '../../http/schemas.ts';
import { StationNotFoundError } from '../stations/service.ts';
import { COMMAND_DESCRIPTION, commandErrors, TimeoutQuery, timeoutMs } from '../commands/schemas.ts';
import { DiagnosticsFileView, DiagnosticsRequestView, LogRequestView, mapped, PAST_LIMIT, TimelineEntry, toDiagnosticsFile, toDiagnosticsRequest, toLogRequest, toTimeline } from './schemas.ts';

const tags = ['Diagnostics'];
const NotFound = { 404: Type.Ref('ErrorBody') };

export function registerDiagnosticsRoutes(api: Api, ctx: AppContext): void {
  const diagnostics = () => ctx.services.firmware.diagnostics;
  const requireStation = async (id: string) => {
    if (!(await ctx.services.stations.get(id))) throw new StationNotFoundError(id);
  };

  api.post('/stations/:id/diagnostics', {
    schema: {
      tags,
      summary: 'Ask a charger for its diagnostics (GetDiagnostics); it uploads them to Plugboard',
      description:
        'Without location, the charger gets an upload URL of its own on the charger listener ' +
        '({files.publicBaseUrl}/files/diagnostics/{token}/, HTTP PUT or POST, raw or multipart/form-data), valid for ' +
        'files.diagnosticsUploadTtlSeconds plus retries x retryInterval. The answer is the recorded request with the ' +
        'charger\'s fileName (null when it has no diagnostics). ' + COMMAND_DESCRIPTION,
      params: IdParam,
      querystring: TimeoutQuery,
      body: Type.Object(
        {
          location: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, format: 'uri', description: 'another upload location (e.g. ftp://...) instead of Plugboard\'s receiver' })),
          startTime: Type.Optional(Type.String({ format: 'date-time' })),
          stopTime: Type.Optional(Type.String({ format: 'date-time' })),
          retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
          retryInterval: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400, description: 'seconds' })),
        },
        { additionalProperties: false },
      ),
      response: { 200: DiagnosticsRequestView, ...commandErrors, ...standardErrors },
    },
  }, (req) => mapped(async () => toDiagnosticsRequest(await diagnostics().request(req.params.id, req.body ?? {}, { timeoutMs: timeoutMs(req.query) }))));

  api.get('/stations/:id/diagnostics', {
    schema: {
      tags,
      summary: 'Diagnostics files a charger uploaded to Plugboard, newest first',
      params: IdParam,
      querystring: PageQuery,
      response: { 200: Page(DiagnosticsFileView), ...NotFound, ...standardErrors },
    },
  }, async (req) => {
    await requireStation(req.params.id);
    const { limit = 50, offset = 0 } = req.query;
    const page = await diagnostics().filesPage(req.params.id, { limit, offset });
    return { items: page.items.map(toDiagnosticsFile), total: page.total, limit, offset };
  });

  api.get('/stations/:id/diagnostics-status', {
    schema: {
      tags,
      summary: 'A charger\'s GetDiagnostics requests and DiagnosticsStatusNotification timeline',
      description: 'requests newest first; timeline oldest first (the most recent `limit` notifications), each linked to the request it reports on.',
      params: IdParam,
      querystring: PAST_LIMIT,
      response: {
        200: Type.Object({
          stationId: Type.String(),
          latestRequest: Type.Union([DiagnosticsRequestView, Type.Null()]),
          requests: Type.Array(DiagnosticsRequestView),
          timeline: Type.Array(TimelineEntry),
        }),
        ...NotFound,
        ...standardErrors,
      },
    },
  }, async (req) => {
    await requireStation(req.params.id);
    const { requests, timeline } = await diagnostics().stationHistory(req.params.id, req.query.limit ?? 50);
    const list = requests.map(toDiagnosticsRequest);
    return { stationId: req.params.id, latestRequest: list[0] ?? null, requests: list, timeline: toTimeline(timeline) };
  });

  api.post('/stations/:id/logs', {
    schema: {
      tags,
      summary: 'Ask a charger for its security or diagnostics log (GetLog); it uploads it to Plugboard',
      description:
        'Security Whitepaper GetLog. Without remoteLocation, the charger gets an upload URL of its own on the charger listener, ' +
        'the same receiver as GetDiagnostics ({files.publicBaseUrl}/files/diagnostics/{token}/, HTTP PUT or POST, raw or ' +
        'multipart/form-data), valid for files.diagnosticsUploadTtlSeconds plus retries x retryInterval; a Rejected GetLog ' +
        'closes it. The requestId sent is the request\'s id; LogStatusNotifications with it update uploadStatus. ' +
        'The uploaded files are listed with GET /stations/{id}/logs and downloaded from /diagnostics/{fileId}/content. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      querystring: TimeoutQuery,
      body: Type.Object(
        {
          logType: Type.Union([Type.Literal('SecurityLog'), Type.Literal('DiagnosticsLog')]),
          remoteLocation: Type.Optional(Type.String({ minLength: 1, maxLength: 512, format: 'uri', description: 'another upload location (e.g. ftp://...) instead of Plugboard\'s receiver' })),
          oldestTimestamp: Type.Optional(Type.String({ format: 'date-time', description: 'only log entries from this time on' })),
          latestTimestamp: Type.Optional(Type.String({ format: 'date-time', description: 'only log entries up to this time' })),
          retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
          retryInterval: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400, description: 'seconds' })),
        },
        { additionalProperties: false },
      ),
      response: { 200: LogRequestView, ...commandErrors, ...standardErrors },
    },
  }, (req) => mapped(async () => toLogRequest(await diagnostics().requestLog(req.params.id, req.body, { timeoutMs: timeoutMs(req.query) }))));

  api.get('/stations/:id/logs', {
    schema: {
      tags,
      summary: 'A charger\'s GetLog requests, newest first, with their LogStatusNotifications and uploaded files',
      params: IdParam,
      querystring: PAST_LIMIT,
      response: {
        200: Type.Object({
          stationId: Type.String(),
          items: Type.Array(
            Type.Object({ request: LogRequestView, timeline: Type.Array(TimelineEntry, { description: 'oldest first' }), files: Type.Array(DiagnosticsFileView) }, { title: 'LogRequestHistory' }),
          ),
        }),
        ...NotFound,
        ...standardErrors,
      },
    },
  }, async (req) => {
    await requireStation(req.params.id);
    const items = await diagnostics().logRequests(req.params.id, req.query.limit ?? 50);
    return {
      stationId: req.params.id,
      // toTimeline reverses a newest-first list; these are oldest first already.
      items: items.map((i) => ({ request: toLogRequest(i.request), timeline: toTimeline([...i.statuses].reverse()), files: i.files.map(toDiagnosticsFile) })),
    };
  });

  api.get('/diagnostics/:id', {
    schema: { tags, summary: 'One uploaded diagnostics file', params: NumericIdParam, response: { 200: DiagnosticsFileView, ...NotFound, ...standardErrors } },
  }, (req) => mapped(async () => toDiagnosticsFile(await diagnostics().getFile(req.params.id))));

  api.get('/diagnostics/:id/content', {
    schema: { tags, summary: 'Download an uploaded diagnostics file', params: NumericIdParam, response: { ...NotFound, ...standardErrors } },
  }, (req, reply) =>
    mapped(async () => {
      const file = await diagnostics().getFile(req.params.id);
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-length', Number(file.size_bytes))
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .send(createReadStream(diagnostics().pathOf(file)));
    }),
  );

  api.delete('/diagnostics/:id', {
    schema: { tags, summary: 'Delete an uploaded diagnostics file', params: NumericIdParam, response: { 204: Type.Null(), ...NotFound, ...standardErrors } },
  }, (req, reply) =>
    mapped(async () => {
      await diagnostics().removeFile(req.params.id);
      return reply.code(204).send(null);
    }),
  );
}
