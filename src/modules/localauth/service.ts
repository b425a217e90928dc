// Local authorization lists (OCPP 1.6 §3.5, §5.10 GetLocalListVersion, §5.15 SendLocalList):
// per station, the list a charger should hold (derived from the tokens in the station's
// scope), what it holds as of its last acknowledged version, and the SendLocalList updates
// that bring it there. Plugboard owns the versioning (§3.5.1).
import type { Insertable } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { LocalListStationsTable } from '../../db/schema.ts';
import type { CentralAction, CentralToCharger } from '../../protocol/ocpp16.ts';
import { OcppError, RpcCallError, RpcClosedError, RpcTimeoutError } from '../../protocol/index.ts';
import { StationOfflineError } from '../../bus/local.ts';
import { ChargerNotConnectedError } from '../../gateway/index.ts';
import { CommandRefusedError, StationNotFoundError, type ObservedCommand, type StationsService } from '../stations/service.ts';
import * as store from './store.ts';
import * as list from './list.ts';
import { AutoSync, type AutoSyncCause } from './auto-sync.ts';

export type Scope = { kind: 'all' } | { kind: 'parents'; parentIdTags: string[] } | { kind: 'idTags'; idTags: string[] } | { kind: 'none' };

export interface LocalListSettings {
  scope: Scope;
  /** keep the charger's list up to date when tokens change and when it reconnects */
  autoSync: boolean;
  /** never send deletions (entries without idTagInfo) in a Differential update; a removal then goes out as a Full update */
  omitDeletionsInDifferential: boolean;
  /** LocalAuthListMaxLength to apply; null = as read from the charger */
  localAuthListMaxLength: number | null;
  /** SendLocalListMaxLength to apply; null = as read from the charger */
  sendLocalListMaxLength: number | null;
}

export type SyncCause = 'api' | AutoSyncCause;
export type SendLocalListStatus = CentralToCharger['SendLocalList']['res']['status'];

export interface SentUpdate {
  updateType: list.UpdateType;
  listVersion: number;
  localAuthorizationList: list.AuthorizationData[];
  deletions: number;
  /** the charger's answer; null when it gave none (see error) */
  status: SendLocalListStatus | null;
  error: { code: string; message: string } | null;
}

export interface SyncResult {
  stationId: string;
  /** in_sync: nothing needed sending; updated: every update Accepted; failed: Failed or VersionMismatch; error: no answer or a CALLERROR */
  outcome: 'in_sync' | 'updated' | 'failed' | 'not_supported' | 'error';
  /** GetLocalListVersion asked during the run (a reconnect check, or after a VersionMismatch) */
  reportedVersions: number[];
  updates: SentUpdate[];
  acknowledgedVersion: number;
  notes: string[];
}

export type SyncState = 'never_synced' | 'in_sync' | 'out_of_sync' | 'failed' | 'not_supported';

/** An explicit Differential would need deletions, which this station's settings forbid. */
export class LocalListConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalListConflictError';
  }
}

const LIMIT_KEYS = ['LocalAuthListMaxLength', 'SendLocalListMaxLength'] as const;
const RECENT_UPDATES = 10;

/** Errors thrown before a command reached the charger: nothing was sent. */
function nothingSent(err: unknown): boolean {
  return err instanceof StationOfflineError || err instanceof ChargerNotConnectedError || err instanceof StationNotFoundError || err instanceof CommandRefusedError;
}

/** After these the charger may or may not have applied what was sent. */
function uncertain(err: unknown): boolean {
  return err instanceof RpcTimeoutError || err instanceof RpcClosedError || err instanceof OcppError;
}

/** A CALLERROR saying the charger does not implement the action at all. */
function unsupportedCall(err: unknown): boolean {
  return err instanceof RpcCallError && (err.code === 'NotImplemented' || err.code === 'NotSupported');
}

function describe(err: unknown): { code: string; message: string } {
  if (err instanceof RpcCallError) return { code: err.code, message: err.message };
  if (err instanceof RpcTimeoutError) return { code: 'Timeout', message: err.message };
  if (err instanceof RpcClosedError) return { code: 'Closed', message: err.message };
  if (err instanceof OcppError) return { code: 'InvalidResponse', message: err.message };
  if (nothingSent(err)) return { code: 'NotSent', message: (err as Error).message };
  return { code: 'Error', message: err instanceof Error ? err.message : String(err) };
}

export function scopeOf(row: { scope: LocalListStationsTable['scope']; scope_values: string | null }): Scope {
  const values = row.scope_values ? (JSON.parse(row.scope_values) as string[]) : [];
  switch (row.scope) {
    case 'parents':
      return { kind: 'parents', parentIdTags: values };
    case 'idTags':
      return { kind: 'idTags', idTags: values };
    case 'none':
      return { kind: 'none' };
    default:
      return { kind: 'all' };
  }
}

function scopeColumns(scope: Scope): { scope: LocalListStationsTable['scope']; scope_values: string | null } {
  if (scope.kind === 'parents') return { scope: 'parents', scope_values: JSON.stringify([...new Set(scope.parentIdTags)].sort()) };
  if (scope.kind === 'idTags') return { scope: 'idTags', scope_values: JSON.stringify([...new Set(scope.idTags)].sort()) };
  return { scope: scope.kind, scope_values: null };
}

export function settingsOf(row: store.LocalListStation): LocalListSettings {
  return {
    scope: scopeOf(row),
    autoSync: row.auto_sync === 1,
    omitDeletionsInDifferential: row.omit_differential_deletions === 1,
    localAuthListMaxLength: row.list_max_length,
    sendLocalListMaxLength: row.send_max_length,
  };
}

/** The settings of a station nobody configured: every token, kept up to date. */
export const DEFAULT_SETTINGS: LocalListSettings = {
  scope: { kind: 'all' },
  autoSync: true,
  omitDeletionsInDifferential: false,
  localAuthListMaxLength: null,
  sendLocalListMaxLength: null,
};

function positiveInt(value: string | undefined): number | null {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return null;
  const n = Number(value);
  return n > 0 && n <= 2_147_483_647 ? n : null;
}

export function createLocalAuthService(ctx: AppContext) {
  const db = ctx.db;
  const iso = () => ctx.now().toISOString();
  /** One run at a time per station (API syncs, automatic syncs, version checks). */
  const running = new Map<string, Promise<unknown>>();

  function exclusive<T>(stationId: string, fn: () => Promise<T>): Promise<T> {
    const prev = running.get(stationId) ?? Promise.resolve();
    const run = prev.then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    running.set(stationId, tail);
    void tail.then(() => {
      if (running.get(stationId) === tail) running.delete(stationId);
    });
    return run;
  }

  function newRow(stationId: string, managed: boolean): Insertable<LocalListStationsTable> {
    const now = iso();
    return {
      station_id: stationId,
      ...scopeColumns(DEFAULT_SETTINGS.scope),
      managed: managed ? 1 : 0,
      auto_sync: DEFAULT_SETTINGS.autoSync ? 1 : 0,
      omit_differential_deletions: DEFAULT_SETTINGS.omitDeletionsInDifferential ? 1 : 0,
      list_max_length: null,
      send_max_length: null,
      charger_list_max_length: null,
      charger_send_max_length: null,
      limits_read_at: null,
      limits_error: null,
      supported: null,
      acknowledged_version: 0,
      acknowledged_at: null,
      last_sent_version: 0,
      reported_version: null,
      reported_at: null,
      needs_full: 0,
      last_status: null,
      last_error: null,
      last_sync_at: null,
      created_at: now,
      updated_at: now,
    };
  }

  async function requireStation(stationId: string): Promise<void> {
    if (!(await ctx.services.stations.get(stationId))) throw new StationNotFoundError(stationId);
  }

  /** The station's row, created with the defaults if missing; `manage` marks it managed. */
  async function ensureRow(stationId: string, manage: boolean): Promise<store.LocalListStation> {
    let row = await store.getStation(db.kysely, stationId);
    if (!row) row = await db.write((trx) => store.ensureStation(trx, newRow(stationId, manage)));
    if (manage && row.managed === 0) {
      await db.write((trx) => store.updateStation(trx, stationId, { managed: 1, updated_at: iso() }));
      row = { ...row, managed: 1 };
    }
    return row;
  }

  /** Every token the station's scope takes in, as list entries in idTag order. */
  async function desiredEntries(scope: Scope): Promise<list.ListEntry[]> {
    const auth = ctx.services.authorization;
    switch (scope.kind) {
      case 'none':
        return [];
      case 'idTags':
        return (await auth.tokensMatching(scope.idTags, [])).map(list.entryOf);
      case 'parents':
        // The group's own token (the parent idTag) belongs to it too.
        return (await auth.tokensMatching(scope.parentIdTags, scope.parentIdTags)).map(list.entryOf);
      default: {
        const out: list.ListEntry[] = [];
        for await (const t of auth.allTokens()) out.push(list.entryOf(t));
        return out;
      }
    }
  }

  function knownLimits(row: store.LocalListStation): { listMax: number | null; sendMax: number | null } {
    return { listMax: row.list_max_length ?? row.charger_list_max_length, sendMax: row.send_max_length ?? row.charger_send_max_length };
  }

  /** One run's commands to the charger; the first one failing without being sent is thrown as is. */
  class Run {
    readonly stationId: string;
    row: store.LocalListStation;
    anySent = false;
    readonly result: SyncResult;

    constructor(row: store.LocalListStation) {
      this.stationId = row.station_id;
      this.row = row;
      this.result = { stationId: row.station_id, outcome: 'in_sync', reportedVersions: [], updates: [], acknowledgedVersion: row.acknowledged_version, notes: [] };
    }

    async send<A extends CentralAction>(action: A, payload: CentralToCharger[A]['req'], origin?: SyncCause): Promise<CentralToCharger[A]['res']> {
      try {
        const res = await ctx.services.stations.sendCommand(this.stationId, action, payload, { origin });
        this.anySent = true;
        return res;
      } catch (err) {
        if (!this.anySent && nothingSent(err)) throw err;
        if (!nothingSent(err)) this.anySent = true;
        throw err;
      }
    }

    /** The row as the observers left it. */
    async reload(): Promise<void> {
      this.row = (await store.getStation(db.kysely, this.stationId)) ?? this.row;
    }

    async patch(p: Partial<store.LocalListStation>): Promise<void> {
      const full = { ...p, updated_at: iso() };
      await db.write((trx) => store.updateStation(trx, this.stationId, full));
      this.row = { ...this.row, ...full };
    }

    /** GetLocalListVersion; the answer is recorded by the observer (onGetLocalListVersion). */
    async askVersion(): Promise<number> {
      const { listVersion } = await this.send('GetLocalListVersion', {});
      this.result.reportedVersions.push(listVersion);
      await this.reload();
      return listVersion;
    }

    /**
     * LocalAuthListMaxLength and SendLocalListMaxLength (§9.4, required keys of the profile),
     * read once with GetConfiguration unless configured, and cached until the charger boots again.
     */
    async limits(): Promise<{ listMax: number | null; sendMax: number | null }> {
      const r = this.row;
      if ((r.list_max_length !== null && r.send_max_length !== null) || r.limits_read_at !== null) return knownLimits(r);
      try {
        const res = await this.send('GetConfiguration', { key: [...LIMIT_KEYS] });
        const value = (k: string) => res.configurationKey?.find((c) => c.key === k)?.value;
        const listMax = positiveInt(value('LocalAuthListMaxLength'));
        const sendMax = positiveInt(value('SendLocalListMaxLength'));
        const missing = LIMIT_KEYS.filter((k) => positiveInt(value(k)) === null);
        await this.patch({
          charger_list_max_length: listMax,
          charger_send_max_length: sendMax,
          limits_read_at: iso(),
          limits_error: missing.length ? `the charger reported no usable ${missing.join(', ')}` : null,
        });
      } catch (err) {
        if (!this.anySent && nothingSent(err)) throw err;
        const e = describe(err);
        // A CALLERROR is the charger's answer (remembered); a timeout may pass (asked again next time).
        await this.patch({ limits_error: `GetConfiguration: ${e.message}`, ...(err instanceof RpcCallError ? { limits_read_at: iso() } : {}) });
      }
      if (this.row.limits_error) this.result.notes.push(`limits: ${this.row.limits_error}; sending without that limit`);
      return knownLimits(this.row);
    }

    /** Sends one SendLocalList; the observer (onSendLocalList) records the answer. The entries held change only on Accepted. */
    async sendUpdate(u: list.PlannedUpdate, held: list.ListEntry[], cause: SyncCause): Promise<{ sent: SentUpdate; held: list.ListEntry[] }> {
      const r = this.row;
      const listVersion = list.nextListVersion(r.last_sent_version, r.acknowledged_version, r.reported_version);
      const payload = { listVersion, updateType: u.updateType, localAuthorizationList: u.localAuthorizationList };
      let status: SendLocalListStatus | null = null;
      let error: SentUpdate['error'] = null;
      try {
        status = (await this.send('SendLocalList', payload, cause)).status;
      } catch (err) {
        if (!this.anySent && nothingSent(err)) throw err;
        error = describe(err);
      }
      await this.reload();
      this.result.acknowledgedVersion = this.row.acknowledged_version;
      const sent: SentUpdate = { updateType: u.updateType, listVersion, localAuthorizationList: u.localAuthorizationList, deletions: u.deletions, status, error };
      this.result.updates.push(sent);
      return { sent, held: status === 'Accepted' ? list.applyUpdate(held, u) : held };
    }
  }

  /**
   * SendLocalList, from any route (a sync, the generic endpoint, bulk): records what the charger
   * holds as of its answer. Accepted: the version is acknowledged and the entries applied (a
   * Full replaces them). Failed or VersionMismatch, or no answer (it may or may not have applied
   * it): the next update must be Full. NotSupported or a NotImplemented/NotSupported CALLERROR:
   * the charger has no local list. Nothing recorded when the command was never sent.
   */
  async function onSendLocalList(c: ObservedCommand<'SendLocalList'>): Promise<void> {
    if (!c.outcome.ok && nothingSent(c.outcome.error)) return;
    const { stationId, request: req } = c;
    const status = c.outcome.ok ? c.outcome.response.status : null;
    const failure = c.outcome.ok ? null : c.outcome.error;
    const error = failure === null ? null : describe(failure);
    const entries = (req.localAuthorizationList ?? []) as list.AuthorizationData[];
    const u: list.PlannedUpdate = { updateType: req.updateType, localAuthorizationList: entries, deletions: entries.filter((d) => !d.idTagInfo).length };
    const r = await ensureRow(stationId, false);
    const at = c.answeredAt;
    const p: Partial<store.LocalListStation> = { last_sent_version: Math.max(r.last_sent_version, req.listVersion), last_sync_at: at, last_status: status ?? error!.code, last_error: error?.message ?? null, updated_at: at };
    if (status === 'Accepted') {
      Object.assign(p, { acknowledged_version: req.listVersion, acknowledged_at: at, supported: 1, ...(u.updateType === 'Full' ? { needs_full: 0 } : {}) });
    } else if (status === 'Failed' || status === 'VersionMismatch') {
      p.needs_full = 1;
    } else if (status === 'NotSupported' || unsupportedCall(failure)) {
      p.supported = 0;
    } else if (uncertain(failure)) {
      p.needs_full = 1;
    }
    await db.write(async (trx) => {
      await store.updateStation(trx, stationId, p);
      if (status === 'Accepted') {
        if (u.updateType === 'Full') await store.replaceEntries(trx, stationId, list.applyUpdate([], u));
        else {
          const upserts = entries.map(list.fromAuthorizationData).filter((e) => e !== null);
          await store.applyEntries(trx, stationId, upserts, entries.filter((d) => !d.idTagInfo).map((d) => d.idTag));
        }
      }
      await store.recordUpdate(trx, {
        station_id: stationId,
        cause: c.origin ?? 'command',
        update_type: u.updateType,
        list_version: req.listVersion,
        entry_count: entries.length,
        deletions: u.deletions,
        status,
        error: error ? `${error.code}: ${error.message}` : null,
        sent_at: c.sentAt,
        answered_at: status ? at : null,
      });
    });
    ctx.bus.publish({ type: 'local-list.updated', stationId, at, updateType: u.updateType, listVersion: req.listVersion, status: status ?? error!.code, entryCount: entries.length });
  }

  /**
   * GetLocalListVersion (§5.10), from any route: -1 means the charger does not support local
   * lists, 0 an empty list. A version other than the one it acknowledged means its list is not
   * the one recorded here (lost, or set by someone else): the next update must be Full.
   */
  async function onGetLocalListVersion(c: ObservedCommand<'GetLocalListVersion'>): Promise<void> {
    if (!c.outcome.ok) return;
    const { listVersion } = c.outcome.response;
    const r = await ensureRow(c.stationId, false);
    const p: Partial<store.LocalListStation> = { reported_version: listVersion, reported_at: c.answeredAt, updated_at: c.answeredAt };
    if (listVersion === -1) p.supported = 0;
    else {
      p.supported = 1;
      p.needs_full = listVersion === r.acknowledged_version ? 0 : 1;
    }
    await db.write((trx) => store.updateStation(trx, c.stationId, p));
  }

  interface SyncOptions {
    updateType?: list.UpdateType;
    cause: SyncCause;
    /** ask the charger its version first (after a reconnect: has it kept its list?) */
    verify?: boolean;
  }

  async function runSync(row: store.LocalListStation, opts: SyncOptions): Promise<SyncResult> {
    const run = new Run(row);
    const { result } = run;
    if (opts.verify && row.acknowledged_version > 0) {
      if ((await run.askVersion()) === -1) {
        result.outcome = 'not_supported';
        return result;
      }
    }
    const desiredAll = await desiredEntries(scopeOf(run.row));
    let held = await store.heldEntries(db.kysely, run.stationId);
    const known = () => run.row.acknowledged_version > 0 && run.row.needs_full === 0;
    if (!opts.updateType && known() && list.isEmptyDiff(list.diffLists(held, desiredAll))) return result;

    const limits = await run.limits();
    const { entries: desired, truncated } = list.limitEntries(desiredAll, limits.listMax);
    if (truncated > 0) result.notes.push(`${truncated} of ${desiredAll.length} tokens left out: LocalAuthListMaxLength is ${limits.listMax}`);
    const diff = list.diffLists(held, desired);
    const omitDeletions = run.row.omit_differential_deletions === 1;

    let updateType: list.UpdateType;
    if (opts.updateType === 'Full') updateType = 'Full';
    else if (opts.updateType === 'Differential') {
      if (diff.deletions.length > 0 && omitDeletions) {
        throw new LocalListConflictError(
          `${diff.deletions.length} idTag(s) must be removed, and this station is set to never send deletions in a Differential update: send a Full update`,
        );
      }
      if (list.isEmptyDiff(diff) && known()) {
        result.notes.push('the charger already holds the list: nothing to send');
        return result;
      }
      updateType = 'Differential';
    } else if (!known()) {
      updateType = 'Full';
    } else if (list.isEmptyDiff(diff)) {
      return result;
    } else if (diff.deletions.length > 0 && omitDeletions) {
      result.notes.push('removals go out as a Full update (deletions in Differential updates are turned off)');
      updateType = 'Full';
    } else {
      // A change touching as many entries as the list holds is sent whole.
      updateType = diff.upserts.length + diff.deletions.length >= desired.length ? 'Full' : 'Differential';
    }

    let plan = updateType === 'Full' ? list.planFull(desired, limits.sendMax) : list.planDifferential(diff, limits.sendMax);
    if (plan.length === 0) {
      result.notes.push('nothing differs from what the charger holds: nothing to send');
      return result;
    }
    if (plan.length > 1) result.notes.push(`${plan.length} messages: SendLocalListMaxLength is ${limits.sendMax}`);
    let fellBackToFull = false;
    let versionAsked = false;
    for (let i = 0; i < plan.length; i++) {
      const u = plan[i];
      const step = await run.sendUpdate(u, held, opts.cause);
      held = step.held;
      const { sent } = step;
      if (sent.status === 'Accepted') continue;
      if (run.row.supported === 0) {
        result.outcome = 'not_supported';
        return result;
      }
      if ((sent.status === 'Failed' || sent.status === 'VersionMismatch') && u.updateType === 'Differential' && !fellBackToFull) {
        // OCPP 1.6 §5.15: after a Differential update answered Failed or VersionMismatch, the
        // central system sends the whole list (Full).
        fellBackToFull = true;
        result.notes.push(`Differential answered ${sent.status}: sending the full list`);
        plan = list.planFull(desired, limits.sendMax);
        i = -1;
        continue;
      }
      if (sent.status === 'VersionMismatch' && u.updateType === 'Full' && !versionAsked) {
        // A Full refused for its version: the charger holds a higher one (another central
        // system's); ask it, and send again above it.
        versionAsked = true;
        const reported = await run.askVersion();
        result.notes.push(`Full answered VersionMismatch; the charger reports version ${reported}: sending again above it`);
        plan = list.planFull(desired, limits.sendMax);
        i = -1;
        continue;
      }
      result.outcome = sent.status ? 'failed' : 'error';
      return result;
    }
    result.outcome = 'updated';
    return result;
  }

  const autoSync = new AutoSync(
    {
      bus: ctx.bus,
      log: ctx.log,
      isConnected: (id) => ctx.services.stations.isConnected(id),
      candidates: (change) => service.stationsAffected(change),
      run: (stationId, cause) => service.autoSyncStation(stationId, cause),
    },
    {},
  );

  const service = {
    /**
     * Brings the charger's list to what it should hold. With updateType, that kind of update is
     * sent (Full: even if the charger is up to date); without, Plugboard chooses: nothing when
     * the charger is known to hold the list, Full when what it holds is not known, otherwise
     * the smaller of Differential and Full. The station becomes managed (auto-sync applies).
     */
    async sync(stationId: string, opts: { updateType?: list.UpdateType } = {}): Promise<SyncResult> {
      await requireStation(stationId);
      return exclusive(stationId, async () => runSync(await ensureRow(stationId, true), { ...opts, cause: 'api' }));
    },

    /** GetLocalListVersion: asks the charger, records its answer. */
    async getVersion(stationId: string): Promise<{ listVersion: number; acknowledgedVersion: number; matches: boolean; supported: boolean }> {
      await requireStation(stationId);
      return exclusive(stationId, async () => {
        const run = new Run(await ensureRow(stationId, false));
        const listVersion = await run.askVersion();
        return { listVersion, acknowledgedVersion: run.row.acknowledged_version, matches: listVersion === run.row.acknowledged_version, supported: listVersion !== -1 };
      });
    },

    async getSettings(stationId: string): Promise<LocalListSettings> {
      await requireStation(stationId);
      const row = await store.getStation(db.kysely, stationId);
      return row ? settingsOf(row) : DEFAULT_SETTINGS;
    },

    /**
     * Changes the settings; the station becomes managed. Cached charger limits are forgotten
     * (read again at the next update). With auto-sync, the charger is brought up to date.
     */
    async updateSettings(stationId: string, patch: Partial<LocalListSettings>): Promise<LocalListSettings> {
      await requireStation(stationId);
      // Managed in the same write as the new settings: a row created unmanaged (by a version
      // check or a generic SendLocalList) with the default auto-sync on must not be seen managed
      // with auto-sync still on by an automatic run when the settings turn it off.
      await ensureRow(stationId, false);
      const set: Partial<store.LocalListStation> = { managed: 1, limits_read_at: null, limits_error: null, updated_at: iso() };
      if (patch.scope !== undefined) Object.assign(set, scopeColumns(patch.scope));
      if (patch.autoSync !== undefined) set.auto_sync = patch.autoSync ? 1 : 0;
      if (patch.omitDeletionsInDifferential !== undefined) set.omit_differential_deletions = patch.omitDeletionsInDifferential ? 1 : 0;
      if (patch.localAuthListMaxLength !== undefined) set.list_max_length = patch.localAuthListMaxLength;
      if (patch.sendLocalListMaxLength !== undefined) set.send_max_length = patch.sendLocalListMaxLength;
      await db.write((trx) => store.updateStation(trx, stationId, set));
      const row = (await store.getStation(db.kysely, stationId))!;
      if (row.auto_sync === 1) autoSync.request(stationId, 'settings');
      return settingsOf(row);
    },

    /** What the station should hold, what it holds, and how the last updates went. */
    async view(stationId: string, page: { limit: number; offset: number }) {
      await requireStation(stationId);
      const row = await store.getStation(db.kysely, stationId);
      const settings = row ? settingsOf(row) : DEFAULT_SETTINGS;
      const limits = row ? knownLimits(row) : { listMax: null, sendMax: null };
      const desiredAll = await desiredEntries(settings.scope);
      const { entries: desired, truncated } = list.limitEntries(desiredAll, limits.listMax);
      const held = await store.heldEntries(db.kysely, stationId);
      const diff = list.diffLists(held, desired);
      const acknowledged = row?.acknowledged_version ?? 0;
      let syncState: SyncState;
      if (row?.supported === 0) syncState = 'not_supported';
      else if (!row || (acknowledged === 0 && row.last_status === null)) syncState = 'never_synced';
      else if (acknowledged > 0 && row.needs_full === 0 && list.isEmptyDiff(diff)) syncState = 'in_sync';
      else if (row.last_status !== null && row.last_status !== 'Accepted') syncState = 'failed';
      else syncState = 'out_of_sync';
      return {
        stationId,
        managed: row?.managed === 1,
        syncState,
        syncing: running.has(stationId),
        settings,
        limits: {
          localAuthListMaxLength: limits.listMax,
          sendLocalListMaxLength: limits.sendMax,
          chargerLocalAuthListMaxLength: row?.charger_list_max_length ?? null,
          chargerSendLocalListMaxLength: row?.charger_send_max_length ?? null,
          readAt: row?.limits_read_at ?? null,
          error: row?.limits_error ?? null,
        },
        supported: row?.supported === undefined || row.supported === null ? null : row.supported === 1,
        desired: { count: desired.length, truncated, entries: desired.slice(page.offset, page.offset + page.limit).map(list.toAuthorizationData) },
        station: {
          acknowledgedVersion: acknowledged,
          acknowledgedAt: row?.acknowledged_at ?? null,
          entryCount: held.length,
          lastSentVersion: row?.last_sent_version ?? 0,
          reportedVersion: row?.reported_version ?? null,
          reportedAt: row?.reported_at ?? null,
          needsFull: row?.needs_full === 1,
        },
        pending: { upserts: diff.upserts.length, deletions: diff.deletions.length },
        lastSync: row?.last_sync_at ? { at: row.last_sync_at, status: row.last_status, error: row.last_error } : null,
        recentUpdates: (await store.recentUpdates(db.kysely, stationId, RECENT_UPDATES)).map((u) => ({
          updateType: u.update_type,
          listVersion: u.list_version,
          entryCount: u.entry_count,
          deletions: u.deletions,
          status: u.status,
          error: u.error,
          cause: u.cause,
          sentAt: u.sent_at,
          answeredAt: u.answered_at,
        })),
      };
    },

    /** The auto-sync stations a token change may concern (the runs find out whether it does). */
    async stationsAffected(change: { all: boolean; idTags: readonly string[]; parentIdTags: readonly string[] }): Promise<string[]> {
      const rows = await store.autoSyncStations(db.kysely);
      if (change.all) return rows.map((r) => r.station_id);
      // A token moved out of a group, or deleted, is found where chargers hold it.
      const holding = await store.stationsHolding(db.kysely, change.idTags);
      const ids = new Set(change.idTags);
      const parents = new Set(change.parentIdTags);
      return rows
        .filter((r) => {
          if (holding.has(r.station_id)) return true;
          const scope = scopeOf(r);
          if (scope.kind === 'all') return true;
          if (scope.kind === 'idTags') return scope.idTags.some((t) => ids.has(t));
          if (scope.kind === 'parents') return scope.parentIdTags.some((p) => parents.has(p) || ids.has(p));
          return false;
        })
        .map((r) => r.station_id);
    },

    /** An automatic run: only for managed stations with auto-sync whose support is not ruled out. */
    async autoSyncStation(stationId: string, cause: AutoSyncCause): Promise<SyncResult | null> {
      return exclusive(stationId, async () => {
        const row = await store.getStation(db.kysely, stationId);
        if (!row || row.managed !== 1 || row.auto_sync !== 1 || row.supported === 0) return null;
        let current = row;
        if (cause === 'boot' && row.limits_read_at !== null) {
          // New firmware may come with other limits.
          await db.write((trx) => store.updateStation(trx, stationId, { limits_read_at: null, limits_error: null }));
          current = { ...row, limits_read_at: null, limits_error: null };
        }
        return runSync(current, { cause, verify: cause === 'boot' || cause === 'reconnect' });
      });
    },

    /** Registers the observers that record SendLocalList and GetLocalListVersion answers, whichever route sent them; returns their removal. */
    observeCommands(s: StationsService): () => void {
      const off = [s.observeCommand('SendLocalList', onSendLocalList), s.observeCommand('GetLocalListVersion', onGetLocalListVersion)];
      return () => off.forEach((f) => f());
    },

    /** Waits for the automatic syncs requested so far (tests, shutdown). */
    settled(): Promise<void> {
      return autoSync.settled();
    },

    start(): void {
      autoSync.start();
    },

    stop(): Promise<void> {
      return autoSync.stop();
    },
  };
  return service;
}

export type LocalAuthService = ReturnType<typeof createLocalAuthService>;
