// REST endpoints of local authorization lists: what a station's list should hold and what the
// charger acknowledged, updating it (SendLocalList), asking its version (GetLocalListVersion),
// and the per-station settings.
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Api } from '../../http/types.ts';
import { conflict } from '../../http/errors.ts';
import { BoundedInteger, IdParam, MAX_OFFSET, standardErrors } from '../../http/schemas.ts';
import { DateTime, Nullable } from '../../http/list-query.ts';
import { COMMAND_DESCRIPTION, commandErrors } from '../commands/schemas.ts';
import { LocalListConflictError, type LocalListSettings } from './service.ts';

const tags = ['Local authorization lists'];
const IdTag = Type.String({ minLength: 1, maxLength: 20, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
const MAX_SCOPE_VALUES = 10_000;

const IdTagInfo = Type.Object({
  status: Type.Union(['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx'].map((s) => Type.Literal(s))),
  expiryDate: Type.Optional(Type.String()),
  parentIdTag: Type.Optional(Type.String()),
});
const AuthorizationData = Type.Object(
  { idTag: Type.String(), idTagInfo: Type.Optional(IdTagInfo) },
  { description: 'OCPP 1.6 AuthorizationData; without idTagInfo it removes the idTag (Differential only)' },
);

const Scope = Type.Union(
  [
    Type.Object({ kind: Type.Literal('all') }, { additionalProperties: false, description: 'every token' }),
    Type.Object({ kind: Type.Literal('parents'), parentIdTags: Type.Array(IdTag, { minItems: 1, maxItems: MAX_SCOPE_VALUES }) }, { additionalProperties: false, description: 'the tokens of these groups (parentIdTag), and the group tokens themselves' }),
    Type.Object({ kind: Type.Literal('idTags'), idTags: Type.Array(IdTag, { minItems: 1, maxItems: MAX_SCOPE_VALUES }) }, { additionalProperties: false, description: 'exactly these tokens (those that exist)' }),
    Type.Object({ kind: Type.Literal('none') }, { additionalProperties: false, description: 'an empty list' }),
  ],
  { description: 'which tokens the station\'s list holds' },
);
const MaxLength = (description: string) => Nullable(Type.Integer({ minimum: 1, maximum: 2_147_483_647, description }));

const Settings = Type.Object({
  scope: Scope,
  autoSync: Type.Boolean({
    description:
      'update the charger when tokens change and when it reconnects or boots (then GetLocalListVersion checks the list it kept first). Default true; ' +
      'off for certification runs, where OCTT expects no unsolicited messages',
  }),
  omitDeletionsInDifferential: Type.Boolean({
    description:
      'never send deletions (entries without idTagInfo, OCPP 1.6 §7.1) in a Differential update; a removal then goes out as a Full update. ' +
      'For certification runs: OCTT TC_043_4/TC_043_5 expect every entry with idTagInfo. Default false',
  }),
  localAuthListMaxLength: MaxLength('LocalAuthListMaxLength to apply; null: read from the charger (GetConfiguration) before the first update'),
  sendLocalListMaxLength: MaxLength('SendLocalListMaxLength to apply; null: read from the charger. Configure both for certification runs, so that no GetConfiguration precedes SendLocalList'),
});

const SettingsPatch = Type.Object(
  {
    scope: Type.Optional(Scope),
    autoSync: Type.Optional(Type.Boolean()),
    omitDeletionsInDifferential: Type.Optional(Type.Boolean()),
    localAuthListMaxLength: Type.Optional(MaxLength('null: read from the charger')),
    sendLocalListMaxLength: Type.Optional(MaxLength('null: read from the charger')),
  },
  { additionalProperties: false },
);

const SendStatus = Nullable(Type.String({ description: 'Accepted, Failed, NotSupported or VersionMismatch; null when the charger gave no answer' }));

const SentUpdate = Type.Object({
  updateType: Type.Union([Type.Literal('Full'), Type.Literal('Differential')]),
  listVersion: Type.Integer(),
  localAuthorizationList: Type.Array(AuthorizationData),
  deletions: Type.Integer(),
  status: SendStatus,
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()], { description: 'no answer (Timeout, Closed) or a CALLERROR (its code)' }),
});

const SyncResult = Type.Object({
  stationId: Type.String(),
  outcome: Type.Union(['in_sync', 'updated', 'failed', 'not_supported', 'error'].map((s) => Type.Literal(s)), {
    description: 'in_sync: nothing needed sending; updated: every update Accepted; failed: Failed or VersionMismatch (after the Full fallback); not_supported; error: no answer or a CALLERROR',
  }),
  reportedVersions: Type.Array(Type.Integer(), { description: 'GetLocalListVersion answers during the run' }),
  updates: Type.Array(SentUpdate, { description: 'every SendLocalList sent, in order, with the charger\'s answer' }),
  acknowledgedVersion: Type.Integer({ description: 'the version the charger holds now, as far as Plugboard knows (0: none)' }),
  notes: Type.Array(Type.String()),
});

const LocalListView = Type.Object({
  stationId: Type.String(),
  managed: Type.Boolean({ description: 'settings were set or a list was sent through the API: automatic updates apply' }),
  syncState: Type.Union(['never_synced', 'in_sync', 'out_of_sync', 'failed', 'not_supported'].map((s) => Type.Literal(s))),
  syncing: Type.Boolean({ description: 'an update is running now' }),
  settings: Settings,
  limits: Type.Object({
    localAuthListMaxLength: Nullable(Type.Integer({ description: 'in effect: configured, else read from the charger; null: unknown (no limit applied)' })),
    sendLocalListMaxLength: Nullable(Type.Integer()),
    chargerLocalAuthListMaxLength: Nullable(Type.Integer({ description: 'as the charger reported it' })),
    chargerSendLocalListMaxLength: Nullable(Type.Integer()),
    readAt: Nullable(DateTime()),
    error: Nullable(Type.String()),
  }),
  supported: Nullable(Type.Boolean({ description: 'false: the charger answered NotSupported (or listVersion -1); null: not known yet' })),
  desired: Type.Object({
    count: Type.Integer({ description: 'entries the charger should hold' }),
    truncated: Type.Integer({ description: 'tokens in scope left out because of LocalAuthListMaxLength (Accepted ones are kept first)' }),
    entries: Type.Array(AuthorizationData, { description: 'the requested page, in idTag order' }),
  }),
  station: Type.Object({
    acknowledgedVersion: Type.Integer({ description: 'version of the last Accepted SendLocalList (0: none)' }),
    acknowledgedAt: Nullable(DateTime()),
    entryCount: Type.Integer({ description: 'entries the charger holds as of that version' }),
    lastSentVersion: Type.Integer(),
    reportedVersion: Nullable(Type.Integer({ description: 'the last GetLocalListVersion answer' })),
    reportedAt: Nullable(DateTime()),
    needsFull: Type.Boolean({ description: 'what the charger holds is uncertain (version mismatch, failure, no answer): the next update is Full' }),
  }),
  pending: Type.Object({ upserts: Type.Integer(), deletions: Type.Integer() }, { description: 'what a Differential update would carry now' }),
  lastSync: Type.Union([Type.Object({ at: DateTime(), status: Nullable(Type.String()), error: Nullable(Type.String()) }), Type.Null()]),
  recentUpdates: Type.Array(
    Type.Object({
      updateType: Type.String(),
      listVersion: Type.Integer(),
      entryCount: Type.Integer(),
      deletions: Type.Integer(),
      status: SendStatus,
      error: Nullable(Type.String()),
      cause: Type.String({ description: 'api, tokens, settings, reconnect or boot; command: sent through the generic /ocpp/SendLocalList endpoint or bulk' }),
      sentAt: DateTime(),
      answeredAt: Nullable(DateTime()),
    }),
    { description: 'the last 10 SendLocalList messages, newest first' },
  ),
});

const errors = { 404: Type.Ref('ErrorBody'), ...standardErrors };

export function registerRoutes(api: Api, ctx: AppContext): void {
  const localAuth = () => ctx.services.localAuth;

  api.get('/stations/:id/local-list', {
    schema: {
      tags,
      summary: 'The local authorization list a station should hold, what its charger acknowledged, and the last updates',
      params: IdParam,
      querystring: Type.Object({
        limit: Type.Optional(BoundedInteger({ minimum: 0, maximum: 10_000, default: 1000, description: 'desired entries to include' })),
        offset: Type.Optional(BoundedInteger({ minimum: 0, maximum: MAX_OFFSET, default: 0 })),
      }),
      response: { 200: LocalListView, ...errors },
    },
  }, (req) => localAuth().view(req.params.id, { limit: req.query.limit ?? 1000, offset: req.query.offset ?? 0 }));

  api.post('/stations/:id/local-list/sync', {
    schema: {
      tags,
      summary: 'Bring the charger\'s local list up to date (SendLocalList); returns what was sent and the answers',
      description:
        'Without updateType Plugboard chooses: nothing when the charger holds the list, Full when what it holds is unknown, else Differential ' +
        '(Full when that is smaller). Full: the whole list even if up to date. Lists longer than SendLocalListMaxLength go out as a Full ' +
        'chunk followed by Differential chunks. A Differential answered Failed or VersionMismatch is followed by a Full update. ' +
        'The station becomes managed. 409 conflict: a Differential would need deletions the station\'s settings forbid. ' +
        'Errors before anything was sent are as for commands; once sent, the answer is 200 with the outcome. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      body: Type.Optional(Type.Object({ updateType: Type.Optional(Type.Union([Type.Literal('Full'), Type.Literal('Differential')])) }, { additionalProperties: false })),
      response: { 200: SyncResult, ...commandErrors, ...standardErrors },
    },
  }, async (req) => {
    try {
      return await localAuth().sync(req.params.id, { updateType: req.body?.updateType });
    } catch (err) {
      if (err instanceof LocalListConflictError) throw conflict(err.message);
      throw err;
    }
  });

  api.get('/stations/:id/local-list/version', {
    config: { role: 'admin' },
    schema: {
      tags,
      summary: 'Ask the charger the version of its local list (GetLocalListVersion)',
      description: 'listVersion -1: the charger does not support local lists; 0: its list is empty. A version other than the acknowledged one makes the next update Full. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      response: {
        200: Type.Object({
          listVersion: Type.Integer(),
          acknowledgedVersion: Type.Integer({ description: 'what Plugboard recorded as the charger\'s version' }),
          matches: Type.Boolean(),
          supported: Type.Boolean(),
        }),
        ...commandErrors,
        ...standardErrors,
      },
    },
  }, (req) => localAuth().getVersion(req.params.id));

  api.get('/stations/:id/local-list/settings', {
    schema: { tags, summary: 'The station\'s local list settings (defaults when never set)', params: IdParam, response: { 200: Settings, ...errors } },
  }, (req) => localAuth().getSettings(req.params.id));

  api.put('/stations/:id/local-list/settings', {
    schema: {
      tags,
      summary: 'Change the station\'s local list settings (scope, autoSync, limits); the station becomes managed',
      description: 'Fields left out keep their value. Cached charger limits are read again before the next update. With autoSync on, the charger is brought up to date.',
      params: IdParam,
      body: SettingsPatch,
      response: { 200: Settings, ...errors },
    },
  }, (req) => localAuth().updateSettings(req.params.id, req.body as Partial<LocalListSettings>));
}
