// Smart charging rules, version-neutral: SetChargingProfile, ClearChargingProfile and
// GetCompositeSchedule with the spec's rules checked before anything is sent, Plugboard's view
// of the profiles each station holds, and the composite schedule it expects from them.
import type { AppContext } from '../../context.ts';
import type { PlugboardEvent } from '../../bus/events.ts';
import type { CentralToCharger } from '../../protocol/ocpp16.ts';
import { OcppError, RpcCallError, RpcTimeoutError } from '../../protocol/index.ts';
import { toIsoTimestamp } from '../../time.ts';
import { checkCommand } from '../commands/service.ts';
import { InvalidCommandError, StationNotFoundError, type ObservedCommand, type StationsService } from '../stations/service.ts';
import { computeCompositeSchedule, type CompositeSchedule } from './composite.ts';
import { compareSchedules, type ScheduleComparison } from './compare.ts';
import { clearMatches, replaces } from './installed.ts';
import { LIMIT_KEYS, limitsFromConfiguration } from './limits.ts';
import { setChargingProfileViolation } from './rules.ts';
import * as store from './store.ts';
import { clearChargingProfile201, clearRequestFrom201, getCompositeSchedule201, profileFrom201, setChargingProfile201 } from './ocpp201.ts';
import type { OCPP20 } from 'typed-ocpp';
import { UNKNOWN_LIMITS, type ChargingProfile, type ClearChargingProfileRequest, type InstalledProfile, type RateUnit, type StationChargingLimits } from './types.ts';

type SetRequest = CentralToCharger['SetChargingProfile']['req'];

export interface ProfileView {
  connectorId: number;
  chargingProfileId: number;
  chargingProfilePurpose: ChargingProfile['chargingProfilePurpose'];
  stackLevel: number;
  chargingProfileKind: ChargingProfile['chargingProfileKind'];
  transactionId: number | null;
  validFrom: string | null;
  validTo: string | null;
  source: store.ChargingProfileRow['source'];
  installedAt: string;
  /** the csChargingProfiles the station accepted */
  profile: ChargingProfile;
}

export interface LimitsView extends StationChargingLimits {
  /** where they come from; null when Plugboard knows none yet (they are read before the next SetChargingProfile) */
  source: 'charger' | 'operator' | null;
  updatedAt: string | null;
}

export interface ScheduleQuery {
  connectorId: number;
  /** seconds */
  duration: number;
  chargingRateUnit?: RateUnit;
  /** supply voltage per phase, for converting between A and W; default: the configured one (smartCharging) */
  voltage?: number;
}

/**
 * A RemoteStartTransaction with a profile that the station accepted: the station installs the
 * profile when the transaction starts (§5.11), so Plugboard records it then. Kept this long.
 */
const REMOTE_START_WAIT_MS = 15 * 60_000;

const parseProfile = (row: store.ChargingProfileRow): ChargingProfile => JSON.parse(row.profile) as ChargingProfile;
const toInstalled = (row: store.ChargingProfileRow): InstalledProfile => ({ connectorId: row.connector_id, profile: parseProfile(row) });

function toView(row: store.ChargingProfileRow): ProfileView {
  return {
    connectorId: row.connector_id,
    chargingProfileId: row.charging_profile_id,
    chargingProfilePurpose: row.purpose,
    stackLevel: row.stack_level,
    chargingProfileKind: row.kind,
    transactionId: row.transaction_id,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    source: row.source,
    installedAt: row.installed_at,
    profile: parseProfile(row),
  };
}

function limitsOfRow(row: store.ChargingLimitsRow): StationChargingLimits {
  return {
    maxStackLevel: row.max_stack_level,
    maxPeriods: row.max_periods,
    allowedRateUnits: row.allowed_rate_units === null ? null : (row.allowed_rate_units.split(',').filter(Boolean) as RateUnit[]),
    maxProfilesInstalled: row.max_profiles_installed,
  };
}

export function createSmartChargingService(ctx: AppContext) {
  const db = ctx.db;
  const iso = () => ctx.now().toISOString();
  const stations = () => ctx.services.stations;
  let events: Promise<void> = Promise.resolve();
  const pendingRemoteStarts = new Map<string, Array<{ connectorId?: number; idTag: string; profile: ChargingProfile; expiresAt: number }>>();

  async function requireStation(stationId: string) {
    const station = await stations().get(stationId);
    if (!station) throw new StationNotFoundError(stationId);
    return station;
  }

  async function installedOf(stationId: string): Promise<InstalledProfile[]> {
    return (await store.profilesOf(db.kysely, stationId)).map(toInstalled);
  }

  /** The transaction Plugboard sees running on the connector (the newest, if several are open). */
  async function activeTransaction(stationId: string, connectorId: number) {
    if (connectorId <= 0) return undefined;
    const open = await ctx.services.transactions.list({ stationId, activeOnly: true, limit: 1000 });
    return open.find((t) => t.connector_id === connectorId);
  }

  async function saveLimits(stationId: string, limits: StationChargingLimits, source: 'charger' | 'operator'): Promise<void> {
    await db.write((trx) =>
      store.saveLimits(trx, {
        station_id: stationId,
        max_stack_level: limits.maxStackLevel,
        max_periods: limits.maxPeriods,
        allowed_rate_units: limits.allowedRateUnits === null ? null : limits.allowedRateUnits.join(','),
        max_profiles_installed: limits.maxProfilesInstalled,
        source,
        updated_at: iso(),
      }),
    );
  }

  /**
   * Reads the limits from the station (GetConfiguration) and caches them. A station that cannot
   * answer GetConfiguration (a CALLERROR) has them cached as unknown; a timeout or an invalid
   * answer leaves them unknown for this command only.
   */
  async function readLimits(stationId: string): Promise<StationChargingLimits> {
    // 2.0.1: the limits live in the device model (SmartChargingCtrlr); not read yet, so unknown unless operator-set.
    if ((await stations().versionOf(stationId)) === '2.0.1') return UNKNOWN_LIMITS;
    let limits: StationChargingLimits;
    try {
      limits = limitsFromConfiguration(await stations().getConfiguration(stationId, { key: [...LIMIT_KEYS] }));
    } catch (err) {
      if (err instanceof RpcCallError) {
        limits = UNKNOWN_LIMITS;
      } else if (err instanceof RpcTimeoutError || err instanceof OcppError) {
        ctx.log.warn({ err, stationId }, 'could not read the smart charging limits of the station; not enforcing them this time');
        return UNKNOWN_LIMITS;
      } else {
        throw err;
      }
    }
    await saveLimits(stationId, limits, 'charger');
    return limits;
  }

  async function limitsFor(stationId: string): Promise<StationChargingLimits> {
    const row = await store.limitsOf(db.kysely, stationId);
    return row ? limitsOfRow(row) : readLimits(stationId);
  }

  /** Records that the station holds `incoming` now, with the profiles it replaced removed. */
  async function install(stationId: string, incoming: InstalledProfile, source: 'SetChargingProfile' | 'RemoteStartTransaction'): Promise<void> {
    const p = incoming.profile;
    const at = iso();
    await db.write(async (trx) => {
      const current = (await store.profilesOf(trx, stationId)).map(toInstalled);
      await store.deleteProfiles(trx, stationId, current.filter((x) => replaces(incoming, x)).map((x) => x.profile.chargingProfileId));
      await store.insertProfile(trx, {
        station_id: stationId,
        connector_id: incoming.connectorId,
        charging_profile_id: p.chargingProfileId,
        purpose: p.chargingProfilePurpose,
        stack_level: p.stackLevel,
        kind: p.chargingProfileKind,
        transaction_id: p.transactionId ?? null,
        valid_from: p.validFrom ? toIsoTimestamp(p.validFrom) : null,
        valid_to: p.validTo ? toIsoTimestamp(p.validTo) : null,
        profile: JSON.stringify(p),
        source,
        installed_at: at,
      });
    });
  }

  /**
   * SetChargingProfile answered Accepted: the station holds the profile. Rejected, NotSupported,
   * a CALLERROR or no answer: nothing changed as far as Plugboard can tell. A TxProfile sent
   * without transactionId (possible on the generic endpoint) belongs to the transaction running
   * on the connector (§5.16), whose id it gets.
   */
  async function onSetChargingProfile(c: ObservedCommand<'SetChargingProfile'>): Promise<void> {
    if (!c.outcome.ok || c.outcome.response.status !== 'Accepted') return;
    let profile = c.request.csChargingProfiles;
    if (profile.chargingProfilePurpose === 'TxProfile' && profile.transactionId === undefined) {
      const tx = await activeTransaction(c.stationId, c.request.connectorId);
      if (tx) {
        const { chargingProfileId, ...rest } = profile;
        profile = { chargingProfileId, transactionId: tx.id, ...rest };
      }
    }
    await install(c.stationId, { connectorId: c.request.connectorId, profile }, 'SetChargingProfile');
  }

  /** ClearChargingProfile answered Accepted, or Unknown (the station holds none that match): no matching profile is installed. */
  async function onClearChargingProfile(c: ObservedCommand<'ClearChargingProfile'>): Promise<void> {
    if (!c.outcome.ok) return;
    const req = c.request;
    await db.write(async (trx) => {
      const matching = (await store.profilesOf(trx, c.stationId)).map(toInstalled).filter((p) => clearMatches(req, p));
      return store.deleteProfiles(trx, c.stationId, matching.map((p) => p.profile.chargingProfileId));
    });
  }

  /**
   * An accepted RemoteStartTransaction with a chargingProfile: the station installs the profile
   * when the transaction starts (§5.11), so it is recorded then (same idTag, and connector when
   * one was given).
   */
  function onRemoteStart(c: ObservedCommand<'RemoteStartTransaction'>): void {
    const req = c.request;
    if (!c.outcome.ok || c.outcome.response.status !== 'Accepted' || !req.chargingProfile) return;
    const list = pendingRemoteStarts.get(c.stationId) ?? [];
    list.push({ connectorId: req.connectorId, idTag: req.idTag, profile: req.chargingProfile, expiresAt: ctx.now().getTime() + REMOTE_START_WAIT_MS });
    pendingRemoteStarts.set(c.stationId, list);
  }

  async function onTransactionStarted(e: Extract<PlugboardEvent, { type: 'transaction.started' }>): Promise<void> {
    const pending = pendingRemoteStarts.get(e.stationId);
    if (!pending) return;
    const now = ctx.now().getTime();
    const live = pending.filter((p) => p.expiresAt > now);
    const i = live.findIndex((p) => p.idTag === e.idTag && (p.connectorId === undefined || p.connectorId === e.connectorId));
    const match = i >= 0 ? live.splice(i, 1)[0] : undefined;
    if (live.length > 0) pendingRemoteStarts.set(e.stationId, live);
    else pendingRemoteStarts.delete(e.stationId);
    if (!match) return;
    // Errata 3.42: the profile went without a transactionId; the station gives it this one.
    const { chargingProfileId, ...rest } = match.profile;
    await install(e.stationId, { connectorId: e.connectorId, profile: { chargingProfileId, transactionId: e.transactionId, ...rest } }, 'RemoteStartTransaction');
  }

  async function onEvent(e: PlugboardEvent): Promise<void> {
    switch (e.type) {
      case 'transaction.started':
        return onTransactionStarted(e);
      // Reads first: most transactions have no TxProfile and most boots change nothing, and a
      // read costs no commit.
      case 'transaction.stopped':
        // §3.13.1: a TxProfile is deleted when its transaction ends.
        if ((await store.profilesOf(db.kysely, e.stationId, { purpose: 'TxProfile' })).some((p) => p.transaction_id === e.transactionId)) {
          await db.write((trx) => store.deleteTxProfilesOf(trx, e.stationId, e.transactionId));
        }
        return;
      case 'station.booted':
        // New firmware may come with other limits: read them again before the next profile.
        if ((await store.limitsOf(db.kysely, e.stationId))?.source === 'charger') await db.write((trx) => store.deleteLimits(trx, e.stationId, 'charger'));
        return;
    }
  }

  const service = {
    /**
     * SetChargingProfile with the rules of OCPP 1.6 §5.16/§7.8-7.14 enforced (InvalidCommandError,
     * nothing sent): a TxProfile needs the connector's running transaction, whose id it gets.
     * The station's limits are read first (GetConfiguration) unless known. When the station
     * accepts, Plugboard records the profile as installed.
     */
    async setChargingProfile(stationId: string, req: SetRequest): Promise<{ status: CentralToCharger['SetChargingProfile']['res']['status']; request: SetRequest }> {
      checkCommand('SetChargingProfile', req);
      const station = await requireStation(stationId);
      let profile = req.csChargingProfiles;
      const tx = profile.chargingProfilePurpose === 'TxProfile' ? await activeTransaction(stationId, req.connectorId) : undefined;
      const installed = await installedOf(stationId);
      const check = (limits: StationChargingLimits) => {
        const reason = setChargingProfileViolation(req.connectorId, profile, { limits, activeTransactionId: tx?.id ?? null, installed });
        if (reason) throw new InvalidCommandError(reason);
      };
      // What is wrong anyway is refused before asking the station for its limits.
      check(UNKNOWN_LIMITS);
      // A station that is not Accepted gets no command at all (sendCommand refuses it).
      if (station.registration_status === 'Accepted') check(await limitsFor(stationId));
      if (tx && profile.transactionId === undefined) {
        const { chargingProfileId, ...rest } = profile;
        profile = { chargingProfileId, transactionId: tx.id, ...rest };
      }
      const request = { connectorId: req.connectorId, csChargingProfiles: profile };
      // Recorded as installed by the SetChargingProfile observer, as on every other route.
      const res = await stations().sendIntent(stationId, {
        '1.6': () => ({ action: 'SetChargingProfile', payload: request, result: (r: CentralToCharger['SetChargingProfile']['res']) => r }),
        '2.0.1': () => setChargingProfile201(request.connectorId, profile),
      });
      return { status: res.status, request };
    },

    /**
     * ClearChargingProfile: by id, by connector/purpose/stack level, or everything (§5.5). After
     * Accepted, and after Unknown (the station holds none that match), no matching profile is
     * installed any more: they leave Plugboard's view. Returns how many did.
     */
    async clearChargingProfile(stationId: string, req: ClearChargingProfileRequest): Promise<{ status: CentralToCharger['ClearChargingProfile']['res']['status']; removed: number }> {
      checkCommand('ClearChargingProfile', req);
      await requireStation(stationId);
      const matching = (await installedOf(stationId)).filter((p) => clearMatches(req, p)).map((p) => p.profile.chargingProfileId);
      // The ClearChargingProfile observer removes them; `removed` counts those that went.
      const res = await stations().sendIntent(stationId, {
        '1.6': () => ({ action: 'ClearChargingProfile', payload: req, result: (r: CentralToCharger['ClearChargingProfile']['res']) => r }),
        '2.0.1': () => clearChargingProfile201(req),
      });
      const left = new Set((await installedOf(stationId)).map((p) => p.profile.chargingProfileId));
      return { status: res.status, removed: matching.filter((id) => !left.has(id)).length };
    },

    /**
     * The composite schedule Plugboard expects on the connector, from its view of the installed
     * profiles. In the unit asked for; else the station's, when its
     * ChargingScheduleAllowedChargingRateUnit allows only one; else the first limit's. Limits in
     * the other unit are converted with the voltage asked for, else the station's configured
     * one (smartCharging.stations, else smartCharging.nominalVoltage), and the configured
     * phases for periods without numberPhases.
     */
    async expectedSchedule(stationId: string, q: ScheduleQuery & { start?: Date }): Promise<CompositeSchedule> {
      await requireStation(stationId);
      const [profiles, tx, limits] = await Promise.all([installedOf(stationId), activeTransaction(stationId, q.connectorId), store.limitsOf(db.kysely, stationId)]);
      const units = limits ? limitsOfRow(limits).allowedRateUnits : null;
      const config = ctx.config.smartCharging;
      const own = config.stations[stationId] ?? {};
      return computeCompositeSchedule({
        profiles,
        connectorId: q.connectorId,
        start: q.start ?? ctx.now(),
        duration: q.duration,
        transaction: tx ? { transactionId: tx.id, startedAt: new Date(tx.start_timestamp) } : null,
        chargingRateUnit: q.chargingRateUnit ?? (units?.length === 1 ? units[0] : undefined),
        voltage: q.voltage ?? own.nominalVoltage ?? config.nominalVoltage,
        defaultNumberPhases: own.defaultNumberPhases ?? config.defaultNumberPhases,
      });
    },

    /**
     * GetCompositeSchedule: the station's answer, the schedule Plugboard expects (computed from
     * the station's scheduleStart, in its unit when none was asked for) and how they compare.
     */
    async getCompositeSchedule(stationId: string, q: ScheduleQuery): Promise<{ charger: CentralToCharger['GetCompositeSchedule']['res']; expected: CompositeSchedule; comparison: ScheduleComparison }> {
      const req = { connectorId: q.connectorId, duration: q.duration, ...(q.chargingRateUnit ? { chargingRateUnit: q.chargingRateUnit } : {}) };
      checkCommand('GetCompositeSchedule', req);
      await requireStation(stationId);
      const askedAt = ctx.now();
      const charger: CentralToCharger['GetCompositeSchedule']['res'] = await stations().sendIntent(stationId, {
        '1.6': () => ({ action: 'GetCompositeSchedule', payload: req, result: (r: CentralToCharger['GetCompositeSchedule']['res']) => r }),
        '2.0.1': () => getCompositeSchedule201(q) as any,
      });
      const reported = charger.status === 'Accepted' ? charger.chargingSchedule : undefined;
      const startText = charger.status === 'Accepted' ? (charger.scheduleStart ?? reported?.startSchedule) : undefined;
      const start = startText && !Number.isNaN(Date.parse(startText)) ? new Date(startText) : askedAt;
      const expected = await service.expectedSchedule(stationId, { ...q, chargingRateUnit: q.chargingRateUnit ?? reported?.chargingRateUnit, start });
      const comparison: ScheduleComparison = reported
        ? compareSchedules(expected, reported)
        : { matches: null, reason: charger.status === 'Accepted' ? 'the station sent no chargingSchedule' : `the station answered ${charger.status}`, differences: [] };
      return { charger, expected, comparison };
    },

    async listProfiles(stationId: string, filter: store.ProfileFilter = {}): Promise<ProfileView[]> {
      await requireStation(stationId);
      return (await store.profilesOf(db.kysely, stationId, filter)).map(toView);
    },

    /** The limits Plugboard holds for the station (without asking it). */
    async limits(stationId: string): Promise<LimitsView> {
      await requireStation(stationId);
      const row = await store.limitsOf(db.kysely, stationId);
      return row ? { ...limitsOfRow(row), source: row.source, updatedAt: row.updated_at } : { ...UNKNOWN_LIMITS, source: null, updatedAt: null };
    },

    /** Limits set by the operator: enforced as given, never replaced by what the station reports. */
    async setLimits(stationId: string, limits: StationChargingLimits): Promise<LimitsView> {
      await requireStation(stationId);
      await saveLimits(stationId, limits, 'operator');
      return service.limits(stationId);
    },

    /** Reads the limits from the station now (replacing operator-set ones). */
    async refreshLimits(stationId: string): Promise<LimitsView> {
      await requireStation(stationId);
      await readLimits(stationId);
      return service.limits(stationId);
    },

    /** Forgets the limits; they are read from the station before the next SetChargingProfile. */
    async forgetLimits(stationId: string): Promise<void> {
      await requireStation(stationId);
      await db.write((trx) => store.deleteLimits(trx, stationId));
    },

    /**
     * Registers the observers that keep Plugboard's view of the installed profiles true whichever
     * route sent the command (this module's, the generic endpoint, bulk, remote start); returns
     * their removal.
     */
    observeCommands(s: StationsService): () => void {
      const off = [
        s.observeCommand('SetChargingProfile', onSetChargingProfile),
        s.observeCommand('ClearChargingProfile', onClearChargingProfile),
        s.observeCommand('RemoteStartTransaction', onRemoteStart),
        // 2.0.1: the same view, its payloads read into Plugboard's model (evseId = connectorId).
        s.observeCommand('SetChargingProfile', (c) => {
          const req = c.request as unknown as OCPP20.SetChargingProfileRequest;
          const profile = profileFrom201(req.chargingProfile);
          if (!profile) return;
          return onSetChargingProfile({ ...c, request: { connectorId: req.evseId, csChargingProfiles: profile } });
        }, '2.0.1'),
        s.observeCommand('ClearChargingProfile', (c) => onClearChargingProfile({ ...c, request: clearRequestFrom201(c.request as unknown as OCPP20.ClearChargingProfileRequest) }), '2.0.1'),
      ];
      return () => off.forEach((f) => f());
    },

    /** Bus listener: TxProfiles end with their transaction, remote-start profiles begin with theirs. */
    handleEvent(e: PlugboardEvent): void {
      if (e.type !== 'transaction.started' && e.type !== 'transaction.stopped' && e.type !== 'station.booted') return;
      // One after another, so that a quick stop cannot be handled before its start's profile is recorded.
      events = events.then(() => onEvent(e)).catch((err) => ctx.log.error({ err, stationId: e.stationId, event: e.type }, 'smart charging: updating the installed profiles failed'));
    },

    /** Resolves when the events received so far are handled (before the database closes). */
    whenIdle(): Promise<void> {
      return events;
    },
  };
  return service;
}

export type SmartChargingService = ReturnType<typeof createSmartChargingService>;
