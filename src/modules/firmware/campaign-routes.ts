// REST endpoints of firmware campaigns.
import { Type, type Static } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Api } from '../../http/types.ts';
import { NumericIdParam, Page, PageQuery, standardErrors } from '../../http/schemas.ts';
import { DateTime, Nullable } from '../../http/list-query.ts';
import { MAX_BULK_STATIONS } from '../commands/service.ts';
import type { Campaign, CampaignStation } from './campaigns.ts';
import type { FirmwareUpdate } from './updates.ts';
import { mapped } from './schemas.ts';

const tags = ['Firmware campaigns'];
const NotFound = { 404: Type.Ref('ErrorBody') };

const STATES = ['pending', 'updating', 'installed', 'failed', 'timed_out', 'skipped', 'cancelled'] as const;
const CAMPAIGN_STATUSES = ['running', 'completed', 'stopped', 'cancelled'] as const;

/** A string enum as a plain `enum` schema (OpenAPI-friendly, and typed as the union). */
function StringEnum<T extends string>(values: readonly T[], description?: string) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
}

const Counts = Type.Object(
  Object.fromEntries(['total', ...STATES].map((s) => [s, Type.Integer()])) as Record<'total' | (typeof STATES)[number], ReturnType<typeof Type.Integer>>,
  { description: 'stations per state' },
);

const CampaignStationView = Type.Object({
  stationId: Type.String(),
  wave: Nullable(Type.Integer()),
  state: StringEnum(
    STATES,
    'pending (not started), updating (in the current wave), installed, failed (not delivered, DownloadFailed, InstallationFailed; signed: refused by the charger, InvalidSignature, InstallVerificationFailed), timed_out, skipped (campaign stopped), cancelled',
  ),
  updateId: Nullable(Type.Integer()),
  firmwareStatus: Nullable(Type.String({ description: 'the update\'s last (Signed)FirmwareStatusNotification' })),
  failure: Nullable(Type.String({ description: 'what ended the update unsuccessfully (e.g. InvalidSignature)' })),
  firmwareVersionAfter: Nullable(Type.String()),
  startedAt: Nullable(DateTime()),
  finishedAt: Nullable(DateTime()),
  error: Nullable(Type.String()),
});

const CampaignView = Type.Object(
  {
    id: Type.Integer(),
    firmwareId: Type.Integer(),
    location: Type.String(),
    retrieveDate: Nullable(DateTime()),
    retries: Nullable(Type.Integer()),
    retryInterval: Nullable(Type.Integer()),
    waveSize: Type.Integer(),
    failureThreshold: Type.Integer(),
    failureThresholdUnit: Type.Union([Type.Literal('count'), Type.Literal('percent')]),
    waveTimeoutSeconds: Type.Integer(),
    signed: Type.Boolean({ description: 'stations get SignedUpdateFirmware' }),
    status: StringEnum(CAMPAIGN_STATUSES, 'running, completed, stopped (failures above the threshold) or cancelled'),
    currentWave: Type.Integer({ description: '0 before the first wave' }),
    stopReason: Nullable(Type.String()),
    createdAt: DateTime(),
    updatedAt: DateTime(),
    finishedAt: Nullable(DateTime()),
    counts: Counts,
  },
  { title: 'FirmwareCampaign' },
);

const CampaignDetail = Type.Intersect([CampaignView, Type.Object({ stations: Type.Array(CampaignStationView) })], { title: 'FirmwareCampaignDetail' });

function toCampaign(c: Campaign, stations: readonly CampaignStation[]): Static<typeof CampaignView> {
  const counts = Object.fromEntries(['total', ...STATES].map((s) => [s, 0])) as Static<typeof Counts>;
  counts.total = stations.length;
  for (const s of stations) counts[s.state]++;
  return {
    id: Number(c.id),
    firmwareId: Number(c.firmware_id),
    location: c.location,
    retrieveDate: c.retrieve_date,
    retries: c.retries,
    retryInterval: c.retry_interval,
    waveSize: c.wave_size,
    failureThreshold: c.failure_threshold,
    failureThresholdUnit: c.failure_threshold_unit,
    waveTimeoutSeconds: c.wave_timeout_seconds,
    signed: c.signed === 1,
    status: c.status,
    currentWave: c.current_wave,
    stopReason: c.stop_reason,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
    finishedAt: c.finished_at,
    counts,
  };
}

function toStation(s: CampaignStation, update: FirmwareUpdate | undefined): Static<typeof CampaignStationView> {
  return {
    stationId: s.station_id,
    wave: s.wave,
    state: s.state,
    updateId: s.update_id === null ? null : Number(s.update_id),
    firmwareStatus: update?.firmware_status ?? null,
    failure: update?.failure ?? null,
    firmwareVersionAfter: update?.firmware_version_after ?? null,
    startedAt: s.started_at,
    finishedAt: s.finished_at,
    error: s.error,
  };
}

export function registerCampaignRoutes(api: Api, ctx: AppContext): void {
  const campaigns = () => ctx.services.firmware.campaigns;
  const detail = async (id: number) => {
    const { campaign, stations, updates } = await campaigns().get(id);
    return { ...toCampaign(campaign, stations), stations: stations.map((s) => toStation(s, s.update_id === null ? undefined : updates.get(Number(s.update_id)))) };
  };

  api.post('/firmware-campaigns', {
    schema: {
      tags,
      summary: 'Roll a firmware file out to many stations, in waves',
      description:
        'Stations are updated waveSize at a time, in the order given; the next wave starts when every station of the current ' +
        'one reached Installed, failed (UpdateFirmware not delivered, DownloadFailed, InstallationFailed) or passed ' +
        'waveTimeoutSeconds. The campaign stops when failures exceed failureThreshold: a count (e.g. 2) or a percentage of ' +
        'all stations (e.g. "20%"). It runs in the background and survives a restart; follow it with GET /firmware-campaigns/{id}. ' +
        'signed: true sends SignedUpdateFirmware with the file\'s stored signature (400 if it has none, 409 if its certificate is expired or revoked); ' +
        'a charger\'s refusal, InvalidSignature and InstallVerificationFailed count as failures.',
      body: Type.Object(
        {
          firmwareId: Type.Integer({ minimum: 1 }),
          stationIds: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { minItems: 1, maxItems: MAX_BULK_STATIONS, uniqueItems: true }),
          waveSize: Type.Integer({ minimum: 1, maximum: MAX_BULK_STATIONS }),
          failureThreshold: Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^\\d{1,3}%$' })], { description: 'a count, or a percentage such as "20%"' }),
          retrieveDate: Type.Optional(Type.String({ format: 'date-time' })),
          retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
          retryInterval: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
          waveTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86400, default: 3600 })),
          signed: Type.Optional(Type.Boolean({ default: false, description: 'send SignedUpdateFirmware (the file must be signed)' })),
        },
        { additionalProperties: false },
      ),
      response: { 201: CampaignDetail, 404: Type.Ref('ErrorBody'), 409: Type.Ref('ErrorBody'), ...standardErrors },
    },
  }, (req, reply) =>
    mapped(async () => {
      const id = await campaigns().create(req.body);
      return reply.code(201).send(await detail(id));
    }),
  );

  api.get('/firmware-campaigns', {
    schema: {
      tags,
      summary: 'List firmware campaigns, newest first',
      querystring: Type.Object({ ...PageQuery.properties, status: Type.Optional(StringEnum(CAMPAIGN_STATUSES)) }),
      response: { 200: Page(CampaignView), ...standardErrors },
    },
  }, async (req) => {
    const { limit = 50, offset = 0, status } = req.query;
    const page = await campaigns().listPage({ limit, offset }, status);
    const items = await Promise.all(page.items.map(async (c) => toCampaign(c, (await campaigns().get(Number(c.id))).stations)));
    return { items, total: page.total, limit, offset };
  });

  api.get('/firmware-campaigns/:id', {
    schema: { tags, summary: 'A firmware campaign and the state of each of its stations', params: NumericIdParam, response: { 200: CampaignDetail, ...NotFound, ...standardErrors } },
  }, (req) => mapped(() => detail(req.params.id)));

  api.post('/firmware-campaigns/:id/cancel', {
    schema: {
      tags,
      summary: 'Cancel a running campaign',
      description: 'Stations not started yet are cancelled; those of the current wave keep their update (OCPP 1.6 cannot recall it). 409 if it already ended.',
      params: NumericIdParam,
      response: { 200: CampaignDetail, ...NotFound, 409: Type.Ref('ErrorBody'), ...standardErrors },
    },
  }, (req) =>
    mapped(async () => {
      await campaigns().cancel(req.params.id);
      return detail(req.params.id);
    }),
  );
}
