// Station rules, version-neutral: who may connect, registration (BootNotification), liveness,
// connector status, and the commands an operator sends to a charger.
import type { AppContext } from '../../context.ts';
import type { Station } from '../../db/schema.ts';
import { hashSecret, verifySecret } from '../../secrets.ts';
import { OcppError } from '../../protocol/errors.ts';
import type { CentralAction, CentralToCharger } from '../../protocol/ocpp16.ts';
import * as store from './store.ts';
import { VerifiedCredentials } from './verified-credentials.ts';
import { toIsoTimestamp } from '../../time.ts';

export type RegistrationStatus = Station['registration_status'];

export interface AuthRequest {
  identity: string;
  password: Buffer | null;
  secure: boolean;
  remoteAddress: string;
}
export type AuthResult = { ok: true } | { ok: false; status: 401 | 403 | 404; reason: string };

export interface BootInfo {
  chargePointVendor: string;
  chargePointModel: string;
  chargePointSerialNumber?: string;
  chargeBoxSerialNumber?: string;
  firmwareVersion?: string;
  iccid?: string;
  imsi?: string;
  meterType?: string;
  meterSerialNumber?: string;
}

export interface StatusReport {
  connectorId: number;
  status: string;
  errorCode: string;
  info?: string;
  vendorId?: string;
  vendorErrorCode?: string;
  timestamp?: string;
}

export interface NewStationInput {
  id: string;
  password?: string | null;
  securityProfile?: number | null;
  registrationStatus?: RegistrationStatus;
}

/** The operator's command was not sent, because of the charger's registration state. */
export class CommandRefusedError extends Error {
  readonly stationId: string;
  constructor(stationId: string, message: string) {
    super(message);
    this.name = 'CommandRefusedError';
    this.stationId = stationId;
  }
}

/** The operator asked for something the protocol forbids; nothing was sent. */
export class InvalidCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCommandError';
  }
}

export class StationNotFoundError extends Error {
  constructor(stationId: string) {
    super(`station ${stationId} is not registered`);
    this.name = 'StationNotFoundError';
  }
}

// OCPP 1.6 §4.2: while Pending, the central system may read and change configuration (and
// trigger messages) but must not start or stop transactions; we hold back every other command too.
const ALLOWED_WHILE_PENDING = new Set<string>(['GetConfiguration', 'ChangeConfiguration', 'TriggerMessage', 'ExtendedTriggerMessage']);

type VendorHandler = (req: { vendorId: string; messageId?: string; data?: string }, stationId: string) => Promise<{ status: 'Accepted' | 'Rejected' | 'UnknownMessageId' | 'UnknownVendorId'; data?: string }>;

export function createStationsService(ctx: AppContext) {
  const db = ctx.db;
  const verified = new VerifiedCredentials();
  const vendorHandlers = new Map<string, VendorHandler>();
  /** Unknown identities refused at the door, for the operator (most recent attempt per identity). */
  const unknownAttempts = new Map<string, { at: string; remoteAddress: string; count: number }>();
  /**
   * Registration status of the stations seen by this process, so the per-message gate costs no
   * query. Refreshed from the database at every connect and BootNotification (a status changed
   * by another process is seen at the charger's next boot, which Pending chargers repeat).
   */
  const statusCache = new Map<string, RegistrationStatus>();
  const iso = () => ctx.now().toISOString();
  /**
   * OCPP 1.6 §4.6: any message from a charger shows it is alive, not only Heartbeat. The exact
   * time is kept in memory and written at most once per LAST_SEEN_WRITE_MS per station, so that
   * liveness does not cost a database write per frame.
   */
  const lastSeen = new Map<string, { at: string; writtenAt: number }>();
  const LAST_SEEN_WRITE_MS = 60_000;

  function newStationRow(id: string, status: RegistrationStatus, passwordHash: string | null, securityProfile: number | null) {
    const now = iso();
    return {
      id,
      registration_status: status,
      security_profile: securityProfile,
      password_hash: passwordHash,
      vendor: null, model: null, charge_point_serial: null, charge_box_serial: null, firmware_version: null,
      iccid: null, imsi: null, meter_type: null, meter_serial: null, ocpp_protocol: null,
      last_boot_at: null, last_seen_at: null, last_connected_at: null, last_disconnected_at: null,
      created_at: now,
      updated_at: now,
    };
  }

  function registrationForUnknown(): RegistrationStatus {
    const policy = ctx.config.registration.unknownStations;
    return policy === 'accept' ? 'Accepted' : policy === 'pending' ? 'Pending' : 'Rejected';
  }

  async function verifyPassword(station: Station, password: Buffer | null): Promise<AuthResult> {
    if (!station.password_hash) return { ok: false, status: 401, reason: 'no password is set for this charge point' };
    if (!password) return { ok: false, status: 401, reason: 'HTTP Basic authentication required' };
    if (verified.has(station.id, station.password_hash, password)) return { ok: true };
    if (!(await verifySecret(password, station.password_hash))) return { ok: false, status: 401, reason: 'wrong password' };
    verified.remember(station.id, station.password_hash, password);
    return { ok: true };
  }

  const service = {
    /** Decides whether a charger may open its OCPP connection (security profiles 0, 1 and 2). */
    async authenticate(req: AuthRequest): Promise<AuthResult> {
      let station = await store.getStation(db.kysely, req.identity);
      if (!station) {
        if (!ctx.config.ocpp.allowUnsecured) {
          const prev = unknownAttempts.get(req.identity);
          unknownAttempts.set(req.identity, { at: iso(), remoteAddress: req.remoteAddress, count: (prev?.count ?? 0) + 1 });
          if (unknownAttempts.size > 10_000) unknownAttempts.delete(unknownAttempts.keys().next().value!);
          // OCPP-J 1.6 §3.2: an unknown identity SHOULD be answered with 404.
          return { ok: false, status: 404, reason: 'unknown charge point' };
        }
        // Profile 0 is enabled: register the newcomer, as a profile 0 station, according to the registration policy.
        station = await db.write((trx) => store.insertStationIfMissing(trx, newStationRow(req.identity, registrationForUnknown(), null, 0)));
      }
      statusCache.set(station.id, station.registration_status);
      const profile = station.security_profile ?? ctx.config.ocpp.defaultSecurityProfile;
      if (profile === 0) {
        if (!ctx.config.ocpp.allowUnsecured) return { ok: false, status: 401, reason: 'unsecured connections (security profile 0) are disabled' };
        return { ok: true };
      }
      // Security Whitepaper A00.FR.001/002: a charger must connect with its configured profile; no downgrade.
      if (profile >= 2 && !req.secure) return { ok: false, status: 403, reason: `security profile ${profile} requires a TLS (wss://) connection` };
      return verifyPassword(station, req.password);
    },

    /** A frame arrived from this charger. */
    noteActivity(stationId: string): void {
      const now = ctx.now();
      const at = now.toISOString();
      const entry = lastSeen.get(stationId);
      if (entry && now.getTime() - entry.writtenAt < LAST_SEEN_WRITE_MS) {
        entry.at = at;
        return;
      }
      lastSeen.set(stationId, { at, writtenAt: now.getTime() });
      db.write((trx) => store.updateStation(trx, stationId, { last_seen_at: at })).catch((err) => ctx.log.error({ err, stationId }, 'recording last_seen_at failed'));
    },

    unknownAttempts(): Array<{ stationId: string; at: string; remoteAddress: string; count: number }> {
      return [...unknownAttempts].map(([stationId, a]) => ({ stationId, ...a }));
    },

    async onConnected(stationId: string, protocol: string): Promise<void> {
      const at = iso();
      await db.write((trx) => store.updateStation(trx, stationId, { last_connected_at: at, ocpp_protocol: protocol, updated_at: at }));
    },

    async onDisconnected(stationId: string): Promise<void> {
      const at = iso();
      const seen = lastSeen.get(stationId);
      lastSeen.delete(stationId);
      await db.write((trx) => store.updateStation(trx, stationId, { last_disconnected_at: at, updated_at: at, ...(seen ? { last_seen_at: seen.at } : {}) }));
    },

    /** BootNotification: stores what the charger says about itself, answers with its registration status. */
    async boot(stationId: string, info: BootInfo): Promise<{ status: RegistrationStatus; currentTime: string; interval: number }> {
      const at = iso();
      const station = await db.write(async (trx) => {
        await store.updateStation(trx, stationId, {
          vendor: info.chargePointVendor,
          model: info.chargePointModel,
          charge_point_serial: info.chargePointSerialNumber ?? null,
          charge_box_serial: info.chargeBoxSerialNumber ?? null,
          firmware_version: info.firmwareVersion ?? null,
          iccid: info.iccid ?? null,
          imsi: info.imsi ?? null,
          meter_type: info.meterType ?? null,
          meter_serial: info.meterSerialNumber ?? null,
          last_boot_at: at,
          last_seen_at: at,
          updated_at: at,
        });
        return store.getStation(trx, stationId);
      });
      if (!station) throw new OcppError('InternalError', 'station record missing');
      const status = station.registration_status;
      statusCache.set(stationId, status);
      ctx.bus.publish({ type: 'station.booted', stationId, at, registrationStatus: status });
      const { heartbeatIntervalSeconds, retryIntervalSeconds } = ctx.config.registration;
      // OCPP 1.6 §4.2: for Accepted, interval is the heartbeat interval; for Pending/Rejected it is
      // the minimum wait before the next BootNotification.
      return { status, currentTime: at, interval: status === 'Accepted' ? heartbeatIntervalSeconds : retryIntervalSeconds };
    },

    async heartbeat(stationId: string): Promise<{ currentTime: string }> {
      const at = iso();
      await db.write((trx) => store.updateStation(trx, stationId, { last_seen_at: at }));
      ctx.bus.publish({ type: 'station.heartbeat', stationId, at });
      return { currentTime: at };
    },

    async statusNotification(stationId: string, s: StatusReport): Promise<void> {
      const at = iso();
      await db.write((trx) =>
        store.recordConnectorStatus(trx, {
          stationId,
          connectorId: s.connectorId,
          status: s.status,
          errorCode: s.errorCode,
          info: s.info ?? null,
          vendorId: s.vendorId ?? null,
          vendorErrorCode: s.vendorErrorCode ?? null,
          timestamp: s.timestamp ? toIsoTimestamp(s.timestamp) : null,
          receivedAt: at,
        }),
      );
      ctx.bus.publish({ type: 'connector.status', stationId, at, connectorId: s.connectorId, status: s.status, errorCode: s.errorCode });
    },

    /**
     * OCPP-J 1.6 errata 3.8: a CALL other than BootNotification from a charger that is not
     * (yet) Accepted is answered with SecurityError. The status is read from the database, so
     * a charger accepted earlier may talk right after a reconnect without booting again.
     */
    async gate(stationId: string, action: string): Promise<void> {
      if (action === 'BootNotification') return;
      let status = statusCache.get(stationId);
      if (status === undefined) {
        status = (await store.getStation(db.kysely, stationId))?.registration_status;
        if (status) statusCache.set(stationId, status);
      }
      if (status !== 'Accepted') {
        throw new OcppError('SecurityError', `charge point is ${status ?? 'not registered'}: only BootNotification is allowed until it is Accepted`);
      }
    },

    registerVendorExtension(vendorId: string, handler: VendorHandler): void {
      vendorHandlers.set(vendorId, handler);
    },

    /** DataTransfer from a charger: routed to a registered vendor extension, else UnknownVendorId (TC_064). */
    async dataTransfer(stationId: string, req: { vendorId: string; messageId?: string; data?: string }) {
      const handler = vendorHandlers.get(req.vendorId);
      if (!handler) return { status: 'UnknownVendorId' as const };
      return handler(req, stationId);
    },

    /**
     * Sends any central-system-to-charger action and returns the charger's answer. The payload is
     * validated by the protocol layer before it leaves; the registration gate applies here.
     */
    async sendCommand<A extends CentralAction>(stationId: string, action: A, payload: CentralToCharger[A]['req'], opts: { timeoutMs?: number } = {}): Promise<CentralToCharger[A]['res']> {
      const station = await store.getStation(db.kysely, stationId);
      if (!station) throw new StationNotFoundError(stationId);
      if (station.registration_status === 'Rejected') throw new CommandRefusedError(stationId, `station ${stationId} is Rejected: no command is sent to it`);
      if (station.registration_status === 'Pending' && !ALLOWED_WHILE_PENDING.has(action)) {
        throw new CommandRefusedError(stationId, `station ${stationId} is Pending: ${action} is not allowed until it is Accepted`);
      }
      const at = iso();
      ctx.bus.publish({ type: 'command.sent', stationId, at, action });
      const started = performance.now();
      try {
        const res = (await ctx.bus.request(stationId, action, payload, opts.timeoutMs)) as CentralToCharger[A]['res'];
        ctx.bus.publish({ type: 'command.answered', stationId, at: iso(), action, ok: true });
        return res;
      } catch (err) {
        ctx.bus.publish({ type: 'command.answered', stationId, at: iso(), action, ok: false, error: (err as Error).message });
        throw err;
      } finally {
        ctx.metrics.commandLatency.observe({ action }, (performance.now() - started) / 1000);
      }
    },

    // The Core profile commands owned by this module (OCPP 1.6 §5).
    changeAvailability(stationId: string, req: CentralToCharger['ChangeAvailability']['req']) {
      return service.sendCommand(stationId, 'ChangeAvailability', req);
    },
    changeConfiguration(stationId: string, req: CentralToCharger['ChangeConfiguration']['req']) {
      return service.sendCommand(stationId, 'ChangeConfiguration', req);
    },
    getConfiguration(stationId: string, req: CentralToCharger['GetConfiguration']['req'] = {}) {
      return service.sendCommand(stationId, 'GetConfiguration', req);
    },
    reset(stationId: string, req: CentralToCharger['Reset']['req']) {
      return service.sendCommand(stationId, 'Reset', req);
    },
    unlockConnector(stationId: string, req: CentralToCharger['UnlockConnector']['req']) {
      return service.sendCommand(stationId, 'UnlockConnector', req);
    },
    sendDataTransfer(stationId: string, req: CentralToCharger['DataTransfer']['req']) {
      return service.sendCommand(stationId, 'DataTransfer', req);
    },

    // Operator side (CLI now, REST API later).
    async create(input: NewStationInput): Promise<Station> {
      const hash = input.password ? await hashSecret(input.password) : null;
      const row = newStationRow(input.id, input.registrationStatus ?? 'Accepted', hash, input.securityProfile ?? null);
      await db.write((trx) => store.insertStation(trx, row));
      return (await store.getStation(db.kysely, input.id))!;
    },

    /**
     * Sets (or clears) a charger's Basic-auth password. A station that was auto-registered
     * under profile 0 moves to profile 1 when it gets a password: the operator who sets a
     * password means it to be checked.
     */
    async setPassword(stationId: string, password: string | null): Promise<void> {
      const station = await store.getStation(db.kysely, stationId);
      if (!station) throw new StationNotFoundError(stationId);
      const hash = password ? await hashSecret(password) : null;
      const profile = password && station.security_profile === 0 ? 1 : station.security_profile;
      await db.write((trx) => store.updateStation(trx, stationId, { password_hash: hash, security_profile: profile, updated_at: iso() }));
      verified.forget(stationId);
    },

    async setRegistrationStatus(stationId: string, status: RegistrationStatus): Promise<void> {
      const n = await db.write((trx) => store.updateStation(trx, stationId, { registration_status: status, updated_at: iso() }));
      if (n === 0) throw new StationNotFoundError(stationId);
      statusCache.set(stationId, status);
    },

    /** The station as stored, with the most recent sign of life (which may not be written yet). */
    async get(stationId: string): Promise<Station | undefined> {
      const row = await store.getStation(db.kysely, stationId);
      const seen = lastSeen.get(stationId);
      if (row && seen && (!row.last_seen_at || seen.at > row.last_seen_at)) row.last_seen_at = seen.at;
      return row;
    },
    list() {
      return store.listStations(db.kysely);
    },
    connectorStatuses(stationId: string) {
      return store.getConnectorStatuses(db.kysely, stationId);
    },
    statusHistory(stationId: string, connectorId?: number, limit?: number) {
      return store.getStatusHistory(db.kysely, stationId, connectorId, limit);
    },
  };
  return service;
}

export type StationsService = ReturnType<typeof createStationsService>;
