// Station rules, version-neutral: who may connect, registration (BootNotification), liveness,
// connector status, and the commands an operator sends to a charger.
import type { AppContext } from '../../context.ts';
import type { Station } from '../../db/schema.ts';
import { hashSecret, unmatchableHash, verifySecret } from '../../secrets.ts';
import { OcppError } from '../../protocol/errors.ts';
import type { CentralAction, CentralToCharger } from '../../protocol/ocpp16.ts';
import type { CsmsAction201, CsmsToStation201 } from '../../protocol/ocpp201.ts';
import { versionOfSubprotocol, type OcppVersion } from '../../protocol/versions.ts';
import type { AvailabilityIntent, ResetIntent, UnlockIntent } from './intents.ts';
import { intents16 } from './ocpp16.ts';
import { intents201 } from './ocpp201.ts';
import { decodeOcppVersions, encodeOcppVersions } from './versions.ts';
import * as store from './store.ts';
import { VerifiedCredentials } from './verified-credentials.ts';
import { assertStationPassword } from './password-rules.ts';
import { VerificationQueue, VerificationQueueFullError } from './verification-queue.ts';
import { PasswordVerifier } from './password-verifier.ts';
import { loadOrCreateKey } from '../../secretbox.ts';
import { TOO_MANY_FAILURES } from '../../gateway/admission.ts';
import { CREDENTIALS_CHANGED_CODE, guardCredentialCommand } from './rotation.ts';
import { redact } from '../../redact.ts';
import { toIsoTimestamp } from '../../time.ts';
import type { AdmittedCertificate } from '../../gateway/index.ts';
import type { ClientRequest } from '../tls/service.ts';
import type { SortKey } from '../../db/list-query.ts';

export type RegistrationStatus = Station['registration_status'];

export interface AuthRequest extends ClientRequest {
  identity: string;
  password: Buffer | null;
  secure: boolean;
  remoteAddress: string;
  /** the address failed recently: its expensive checks wait behind clean addresses' (gateway admission) */
  suspect?: boolean;
  /** over a failure limit: only a known-good credential (verified cache) may pass, no expensive check runs */
  throttled?: boolean;
}
/** `reason` is what the charger is told; `detail`, when given, is what the log says instead (the operator's view). */
export type AuthResult = { ok: true; certificate?: AdmittedCertificate; versions?: readonly OcppVersion[] | null } | { ok: false; status: 401 | 403 | 404 | 429 | 503; reason: string; detail?: string; retryAfterSeconds?: number };

/**
 * The one answer for an unknown identity, a wrong password and a station without a password:
 * the same status, body and challenge, so the door does not tell which identities exist. OCPP-J
 * 1.6 §3.2 says an unknown identity SHOULD get 404; we deviate on purpose (issue 11: 401 versus
 * 404 let an attacker enumerate station ids). The log line keeps the real reason (`detail`).
 */
export const NOT_ACCEPTED = 'charge point identity or password not accepted';
const CREDENTIALS_REQUIRED = 'HTTP Basic authentication required';
const refused = (detail: string, reason = NOT_ACCEPTED): AuthResult => ({ ok: false, status: 401, reason, detail });

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
  /** 2.0.1 BootReasonEnumType (PowerUp, RemoteReset, ...); 1.6 has none */
  reason?: string;
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

/**
 * What the stations service may ask about live charger connections. app.ts passes the gateway;
 * without one (CLI commands) no charger counts as connected.
 */
export interface Connections {
  get(stationId: string): { close(code?: number, reason?: string): void; closeAfterReply?(code: number, reason: string): void; certificate?: AdmittedCertificate | null; remoteAddress?: string; version?: OcppVersion } | undefined;
}

export interface StationUpdateInput {
  /** a new Basic-auth password; null removes it */
  password?: string | null;
  /** null = the configured default applies */
  securityProfile?: number | null;
  registrationStatus?: RegistrationStatus;
  /** the OCPP versions it may connect with; null = those of ocpp.versions */
  ocppVersions?: OcppVersion[] | null;
}

export class StationExistsError extends Error {
  constructor(stationId: string) {
    super(`station ${stationId} already exists`);
    this.name = 'StationExistsError';
  }
}

export interface NewStationInput {
  id: string;
  password?: string | null;
  securityProfile?: number | null;
  registrationStatus?: RegistrationStatus;
  /** the OCPP versions it may connect with; null or absent = those of ocpp.versions */
  ocppVersions?: OcppVersion[] | null;
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
const ALLOWED_WHILE_PENDING = new Set<string>(['GetConfiguration', 'ChangeConfiguration', 'TriggerMessage', 'ExtendedTriggerMessage', 'GetVariables', 'SetVariables', 'GetBaseReport', 'GetReport']);

/** The charger's answer to a command: its CALLRESULT payload, or what went wrong (CALLERROR, timeout, offline, invalid answer). */
export type CommandOutcome<A extends CentralAction> = { ok: true; response: CentralToCharger[A]['res'] } | { ok: false; error: unknown };

/** One version's form of an intent: the action, its payload, and how the answer reads in Plugboard's terms. */
export interface IntentTranslation<R> {
  action: string;
  payload: unknown;
  result(response: any): R;
}

/** An intent's translations, per version (built lazily: only the station's version is made). */
export type IntentTranslators<R> = Partial<Record<OcppVersion, () => IntentTranslation<R>>>;

/** A command that went to sendCommand's transport, with its outcome: what observers see. */
export interface ObservedCommand<A extends CentralAction> {
  stationId: string;
  /** the version it was sent in; an observer registered for 1.6 (the default) sees only 1.6 commands */
  version: OcppVersion;
  action: A;
  request: CentralToCharger[A]['req'];
  outcome: CommandOutcome<A>;
  /** who sent it, when the sender says (e.g. a local-list sync's cause); absent: the generic or bulk endpoint */
  origin?: string;
  sentAt: string;
  answeredAt: string;
}

/**
 * Keeps a module's state true to what the charger was told, whichever route sent the command
 * (the generic endpoint, bulk, or the module's own). Awaited before sendCommand returns; a
 * throwing observer is logged and does not change the command's result.
 */
export type CommandObserver<A extends CentralAction> = (c: ObservedCommand<A>) => void | Promise<void>;

export interface SendOptions {
  timeoutMs?: number;
  /** passed to the observers as `origin` */
  origin?: string;
}

type VendorHandler = (req: { vendorId: string; messageId?: string; data?: string }, stationId: string) => Promise<{ status: 'Accepted' | 'Rejected' | 'UnknownMessageId' | 'UnknownVendorId'; data?: string }>;

/** Reported statuses that claim a session is running on the connector. */
const SESSION_STATUSES = new Set(['Charging', 'SuspendedEV', 'SuspendedEVSE']);

export type ConnectorView = Awaited<ReturnType<typeof store.connectorStatusesOf>>[number] & { effectiveStatus: string; effectiveStatusReason: string | null };

/**
 * What an operator should believe about a connector, from its last reported status: Offline
 * while the station has no live connection (the report may be stale); Unknown when the report
 * claims a session (Charging, SuspendedEV, SuspendedEVSE) on a connector with no open
 * transaction; otherwise the reported status.
 */
export function effectiveStatus(
  r: { connector_id: number; status: string },
  offline: { since: string | null } | null,
  openConnectors: ReadonlySet<number> | undefined,
): { effectiveStatus: string; effectiveStatusReason: string | null } {
  if (offline) return { effectiveStatus: 'Offline', effectiveStatusReason: offline.since ? `station disconnected since ${offline.since}` : 'station not connected' };
  if (r.connector_id > 0 && SESSION_STATUSES.has(r.status) && !openConnectors?.has(r.connector_id)) {
    return { effectiveStatus: 'Unknown', effectiveStatusReason: `reports ${r.status} but no session is open` };
  }
  return { effectiveStatus: r.status, effectiveStatusReason: null };
}

export function createStationsService(ctx: AppContext) {
  const db = ctx.db;
  const verified = new VerifiedCredentials();
  const vendorHandlers = new Map<string, VendorHandler>();
  /** The command-observer registry: per action, the observers in registration order. */
  const observers = new Map<string, Array<CommandObserver<CentralAction>>>();
  /**
   * Unknown identities refused at the door, for the operator (most recent attempt per identity).
   * They are stored in unknown_stations, but at most once per UNKNOWN_WRITE_MS per identity:
   * attempts in between are counted here (`unwritten`) and added by the next write, so a
   * charger (or an attacker) knocking in a loop cannot turn every attempt into a database write.
   */
  const unknownAttempts = new Map<string, { firstAt: string; at: string; remoteAddress: string; count: number; unwritten: number; writtenAt: number }>();
  const UNKNOWN_WRITE_MS = 60_000;
  /**
   * unknown_stations is bounded: at most unknownStationsMaxRows rows (the least recently seen
   * go) and none unseen for unknownStationsRetentionDays. Pruning runs after every tenth of
   * the cap in writes, every UNKNOWN_PRUNE_MS while there are unknown knocks, and before
   * listing, never per knock: a knock costs no count or delete query.
   */
  const { unknownStationsMaxRows, unknownStationsRetentionDays } = ctx.config.registration;
  const UNKNOWN_PRUNE_AFTER_WRITES = Math.max(1, Math.ceil(unknownStationsMaxRows / 10));
  const UNKNOWN_PRUNE_MS = 10 * 60_000;
  let unknownWritesSincePrune = 0;
  let unknownPruning: Promise<number> | null = null;
  /** the knocks' writes not settled yet (nobody awaits them; a prune must run after them) */
  const unknownInflight = new Set<Promise<unknown>>();
  let unknownPruneTimer: NodeJS.Timeout | null = null;
  let connections: Connections = { get: () => undefined };
  /**
   * Registration status of the stations seen by this process, so the per-message gate costs no
   * query. Refreshed from the database at every connect and BootNotification (a status changed
   * by another process is seen at the charger's next boot, which Pending chargers repeat).
   */
  const statusCache = new Map<string, RegistrationStatus>();
  /** Profile 3 stations admitted before their serial number was known: BootNotification first (tls.checkAtBoot). */
  const awaitingBootCheck = new Set<string>();
  const iso = () => ctx.now().toISOString();
  /**
   * OCPP 1.6 §4.6: any message from a charger shows it is alive, not only Heartbeat. The exact
   * time is kept in memory and written at most once per LAST_SEEN_WRITE_MS per station, so that
   * liveness does not cost a database write per frame.
   */
  const lastSeen = new Map<string, { at: string; writtenAt: number }>();
  const LAST_SEEN_WRITE_MS = 60_000;
  /** When each station this process saw disconnect did so (last_disconnected_at may not be written yet). */
  const disconnectedAt = new Map<string, string>();

  /** When a station not connected now went away: seen by this process, else the stored disconnect if it is later than the stored connect. */
  function offlineSince(s: Station): string | null {
    const seen = disconnectedAt.get(s.id);
    if (seen) return seen;
    if (s.last_disconnected_at && (!s.last_connected_at || s.last_disconnected_at >= s.last_connected_at)) return s.last_disconnected_at;
    return null;
  }

  function newStationRow(id: string, status: RegistrationStatus, passwordHash: string | null, securityProfile: number | null, passwordVerifier: string | null = null): Station {
    const now = iso();
    return {
      id,
      registration_status: status,
      security_profile: securityProfile,
      password_hash: passwordHash,
      password_verifier: passwordVerifier,
      vendor: null, model: null, charge_point_serial: null, charge_box_serial: null, firmware_version: null,
      iccid: null, imsi: null, meter_type: null, meter_serial: null, ocpp_protocol: null, ocpp_versions: null,
      last_boot_at: null, last_seen_at: null, last_connected_at: null, last_disconnected_at: null,
      created_at: now,
      updated_at: now,
    };
  }

  function registrationForUnknown(): RegistrationStatus {
    const policy = ctx.config.registration.unknownStations;
    return policy === 'accept' ? 'Accepted' : policy === 'pending' ? 'Pending' : 'Rejected';
  }

  /** Costs what a real password check costs and matches nothing (see unmatchableHash). */
  const dummyHash = unmatchableHash();

  const admission = ctx.config.ocpp.admission;
  /** Every scrypt run at the door waits here: bounded, fair per address (verification-queue.ts). */
  const verifications = new VerificationQueue({
    concurrency: admission.verifyConcurrency,
    maxWaiting: admission.verifyQueueLength,
    maxWaitingPerAddress: admission.verifyQueuePerAddress,
  });

  /**
   * The expensive check (scrypt) of a password against a stored hash, through the queue: true or
   * false, or the answer to give instead (429 when throttled: no scrypt runs; 503 when the queue is full).
   */
  async function expensiveCheck(req: AuthRequest, password: Buffer, hash: string, detail: string): Promise<boolean | AuthResult> {
    if (req.throttled === true) return { ok: false, status: 429, reason: TOO_MANY_FAILURES, detail: `${detail} (throttled, not checked)` };
    try {
      return await verifications.run(req.remoteAddress, req.suspect === true, () => verifySecret(password, hash));
    } catch (err) {
      if (!(err instanceof VerificationQueueFullError)) throw err;
      return { ok: false, status: 503, reason: 'Busy checking credentials: retry later', detail: `${detail} (verification queue full)`, retryAfterSeconds: err.retryAfterSeconds };
    }
  }

  /**
   * Keyed password verifiers (ADR 0008, password-verifier.ts), under a key derived from the
   * instance key file, read when first needed; null when ocpp.admission.keyedPasswordVerifier is off.
   */
  let verifier: PasswordVerifier | null = null;
  const keyedVerifier = (): PasswordVerifier | null => {
    if (!admission.keyedPasswordVerifier) return null;
    return (verifier ??= new PasswordVerifier(loadOrCreateKey(ctx.config.secretKeyFile, (message) => ctx.log.warn(message))));
  };

  /** What a new password is stored as: its scrypt hash and, beside it, its keyed verifier. */
  async function passwordColumns(stationId: string, password: string | null | undefined): Promise<{ password_hash: string | null; password_verifier: string | null }> {
    if (!password) return { password_hash: null, password_verifier: null };
    const hash = await hashSecret(password);
    return { password_hash: hash, password_verifier: keyedVerifier()?.make(stationId, password, hash) ?? null };
  }

  /** The refusal for an identity that may not log in with a password: after the same work a wrong password costs. */
  async function refuseLikeWrongPassword(req: AuthRequest, detail: string): Promise<AuthResult> {
    if (!req.password) return refused(detail, CREDENTIALS_REQUIRED);
    // With verifiers a known station's wrong password costs one HMAC: so does this.
    const keyed = keyedVerifier();
    if (keyed !== null) {
      keyed.dummyCheck(req.identity, req.password);
      return refused(detail);
    }
    const checked = await expensiveCheck(req, req.password, dummyHash, detail);
    return typeof checked === 'boolean' ? refused(detail) : checked;
  }

  async function verifyPassword(station: Station, req: AuthRequest): Promise<AuthResult> {
    const password = req.password;
    if (!station.password_hash) return refuseLikeWrongPassword(req, 'no password is set for this charge point');
    if (!password) return refused('no Basic credentials sent', CREDENTIALS_REQUIRED);
    // A known-good credential costs one HMAC and passes whatever the limits say: an attacker
    // hammering this identity (or sharing the charger's address) does not lock the charger out.
    if (verified.has(station.id, station.password_hash, password)) return { ok: true };
    // The keyed verifier answers in one HMAC (ADR 0008); without a usable one, scrypt decides
    // and a verifier is written beside the hash for the next time.
    const keyed = keyedVerifier();
    const quick = keyed?.check(station.id, password, station.password_hash, station.password_verifier) ?? 'unusable';
    let checked = quick === 'match';
    if (quick === 'unusable') {
      const result = await expensiveCheck(req, password, station.password_hash, 'wrong password');
      if (typeof result !== 'boolean') return result;
      checked = result;
      if (checked && keyed !== null) db.updateLater('stations', 'id', station.id, { password_verifier: keyed.make(station.id, password, station.password_hash) });
    }
    if (!checked) {
      // During a password rotation the new password is valid too (rotation.ts), checked through the same queue.
      const pending = await ctx.services.credentialFlows.verifyPending(station.id, password, async (hash) => (await expensiveCheck(req, password, hash, 'wrong password')) === true);
      return pending ? { ok: true } : refused('wrong password');
    }
    verified.remember(station.id, station.password_hash, password);
    return { ok: true };
  }

  /** The attempts counted since the identity's last write, as a row to add; resets the count. */
  function takeUnwritten(id: string): store.UnknownStationAttempts | null {
    const a = unknownAttempts.get(id);
    if (!a || a.unwritten === 0) return null;
    const row = { id, firstAt: a.firstAt, at: a.at, remoteAddress: a.remoteAddress, attempts: a.unwritten };
    a.unwritten = 0;
    return row;
  }

  function noteUnknownAttempt(identity: string, remoteAddress: string): void {
    const now = ctx.now();
    const at = now.toISOString();
    let a = unknownAttempts.get(identity);
    if (!a) {
      if (unknownAttempts.size >= 10_000) unknownAttempts.delete(unknownAttempts.keys().next().value!);
      a = { firstAt: at, at, remoteAddress, count: 0, unwritten: 0, writtenAt: 0 };
      unknownAttempts.set(identity, a);
    }
    a.at = at;
    a.remoteAddress = remoteAddress;
    a.count++;
    a.unwritten++;
    if (now.getTime() - a.writtenAt < UNKNOWN_WRITE_MS) return;
    a.writtenAt = now.getTime();
    const row = takeUnwritten(identity)!;
    const written = db
      .write((trx) => store.recordUnknownStation(trx, row))
      .catch((err) => ctx.log.error({ err, stationId: identity }, 'recording an unknown charger failed'))
      .finally(() => unknownInflight.delete(written));
    unknownInflight.add(written);
    unknownWritten(1);
  }

  /** Counts rows written (or being written: a prune waits for those first). */
  function unknownWritten(rows: number): void {
    unknownWritesSincePrune += rows;
    if (unknownPruneTimer === null) {
      unknownPruneTimer = setInterval(() => void pruneUnknownStations(), UNKNOWN_PRUNE_MS);
      unknownPruneTimer.unref();
    }
    if (unknownWritesSincePrune >= UNKNOWN_PRUNE_AFTER_WRITES) void pruneUnknownStations();
  }

  /**
   * Applies the unknown-stations cap and age limit, after the knocks' writes in flight; one
   * run at a time (a call meanwhile gets the running one, which reruns if enough writes came
   * in during it). Never rejects.
   */
  function pruneUnknownStations(): Promise<number> {
    if (unknownPruning !== null) return unknownPruning;
    const run = async (): Promise<number> => {
      let removed = 0;
      do {
        unknownWritesSincePrune = 0;
        await Promise.all([...unknownInflight]);
        const cutoff = new Date(ctx.now().getTime() - unknownStationsRetentionDays * 86_400_000).toISOString();
        try {
          removed += await db.write(async (trx) => (await store.deleteUnknownStationsSeenBefore(trx, cutoff)) + (await store.deleteUnknownStationsBeyond(trx, unknownStationsMaxRows)));
        } catch (err) {
          ctx.log.error({ err }, 'pruning unknown stations failed');
          break;
        }
      } while (unknownWritesSincePrune >= UNKNOWN_PRUNE_AFTER_WRITES);
      if (removed > 0) ctx.log.info({ removed, maxRows: unknownStationsMaxRows, retentionDays: unknownStationsRetentionDays }, 'unknown stations pruned');
      return removed;
    };
    unknownPruning = run().finally(() => {
      unknownPruning = null;
    });
    return unknownPruning;
  }

  /** Writes the attempts counted since each identity's last write (before listing, and at shutdown). */
  async function flushUnknownAttempts(): Promise<void> {
    const rows = [...unknownAttempts.keys()].map(takeUnwritten).filter((r) => r !== null);
    if (rows.length === 0) return;
    await db.write(async (trx) => {
      for (const row of rows) await store.recordUnknownStation(trx, row);
    });
    unknownWritesSincePrune += rows.length;
  }

  /** The freshest sign of life: the in-memory one may not be written yet. */
  function withLastSeen(row: Station): Station {
    const seen = lastSeen.get(row.id);
    if (seen && (!row.last_seen_at || seen.at > row.last_seen_at)) row.last_seen_at = seen.at;
    return row;
  }

  /**
   * The one path of every command to a charger. `expected` is the version the caller wrote the
   * action in (null: the station's own, for the raw endpoint); a station speaking another
   * version is refused before anything is sent.
   */
  async function sendIn(expected: OcppVersion | null, stationId: string, action: string, payload: unknown, opts: SendOptions): Promise<unknown> {
    guardCredentialCommand(action as CentralAction, payload as never, opts.origin);
    const station = await store.getStation(db.kysely, stationId);
    if (!station) throw new StationNotFoundError(stationId);
    const version = connections.get(stationId)?.version ?? versionOfSubprotocol(station.ocpp_protocol);
    if (expected !== null && expected !== version) {
      throw new CommandRefusedError(stationId, `station ${stationId} speaks OCPP ${version}: ${action} was written for OCPP ${expected}`);
    }
    if (station.registration_status === 'Rejected') throw new CommandRefusedError(stationId, `station ${stationId} is Rejected: no command is sent to it`);
    if (station.registration_status === 'Pending' && !ALLOWED_WHILE_PENDING.has(action)) {
      throw new CommandRefusedError(stationId, `station ${stationId} is Pending: ${action} is not allowed until it is Accepted`);
    }
    const at = iso();
    ctx.bus.publish({ type: 'command.sent', stationId, at, action });
    const started = performance.now();
    let outcome: CommandOutcome<CentralAction>;
    try {
      const res = (await ctx.bus.request(stationId, action, payload, opts.timeoutMs)) as never;
      ctx.bus.publish({ type: 'command.answered', stationId, at: iso(), action, ok: true });
      outcome = { ok: true, response: res };
    } catch (err) {
      ctx.bus.publish({ type: 'command.answered', stationId, at: iso(), action, ok: false, error: (err as Error).message });
      outcome = { ok: false, error: err };
    } finally {
      ctx.metrics.commandLatency.observe({ action }, (performance.now() - started) / 1000);
    }
    await notifyObservers({ stationId, version, action: action as CentralAction, request: payload as never, outcome, origin: opts.origin, sentAt: at, answeredAt: iso() });
    if (!outcome.ok) throw outcome.error;
    // A secret the charger should never report (AuthorizationKey in a GetConfiguration answer) goes no further.
    return redact(outcome.response);
  }

  async function notifyObservers<A extends CentralAction>(c: ObservedCommand<A>): Promise<void> {
    for (const observer of observers.get(`${c.version}:${c.action}`) ?? []) {
      try {
        await (observer as unknown as CommandObserver<A>)(c);
      } catch (err) {
        ctx.log.error({ err, stationId: c.stationId, action: c.action }, 'updating state after a command failed');
      }
    }
  }

  const service = {
    /** Decides whether a charger may open its OCPP connection (security profiles 0 to 3). */
    async authenticate(req: AuthRequest): Promise<AuthResult> {
      let station = await store.getStation(db.kysely, req.identity);
      if (!station) {
        if (!ctx.config.ocpp.allowUnsecured) {
          noteUnknownAttempt(req.identity, req.remoteAddress);
          // Not 404 (OCPP-J 1.6 §3.2's SHOULD): the same answer as a wrong password, see NOT_ACCEPTED.
          return refuseLikeWrongPassword(req, 'unknown charge point');
        }
        // Profile 0 is enabled: register the newcomer, as a profile 0 station, according to the registration policy.
        station = await db.write((trx) => store.insertStationIfMissing(trx, newStationRow(req.identity, registrationForUnknown(), null, 0)));
      }
      statusCache.set(station.id, station.registration_status);
      // The gateway picks the subprotocol among these after admitting the charger (null: ocpp.versions).
      const versions = decodeOcppVersions(station.ocpp_versions);
      const profile = station.security_profile ?? ctx.config.ocpp.defaultSecurityProfile;
      if (profile === 0) {
        if (!ctx.config.ocpp.allowUnsecured) return refuseLikeWrongPassword(req, 'unsecured connections (security profile 0) are disabled');
        return { ok: true, versions };
      }
      // TLS from the charger: our listener, or a trusted TLS-terminating proxy (src/modules/tls).
      const client = ctx.services.tls.clientOf(req);
      // Security Whitepaper A00.FR.001/002: a charger must connect with its configured profile; no downgrade.
      // Refused like a wrong password, not 403: a different answer would tell a scanner on plain ws
      // which ids exist (and are at profile 2 or 3). The log line says why (detail).
      if (profile >= 2 && !client.secure) return refuseLikeWrongPassword(req, `security profile ${profile} requires a TLS (wss://) connection`);
      // Profile 3: the client certificate alone; a right password does not stand in for it.
      if (profile === 3) {
        const admitted = await ctx.services.tls.admitProfile3({ id: station.id, serialNumber: station.charge_point_serial ?? station.charge_box_serial }, client, req.remoteAddress);
        // A refused certificate gets the answer an unknown id or a wrong password gets; the log says why.
        if (!admitted.ok) return refuseLikeWrongPassword(req, admitted.reason);
        // Subject not checkable before the serial number is known: nothing but BootNotification until it is (gate).
        if (admitted.provisional) awaitingBootCheck.add(station.id);
        else awaitingBootCheck.delete(station.id);
        return { ok: true, certificate: admitted.certificate, versions };
      }
      const verdict = await verifyPassword(station, req);
      return verdict.ok ? { ...verdict, versions } : verdict;
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
      db.updateLater('stations', 'id', stationId, { last_seen_at: at });
    },

    /** The door's credential-check queue: running, waiting, started and refused checks (tests, benches). */
    verificationStats() {
      return verifications.stats();
    },

    /** This process's view of the unknown identities (count since start); the API lists the stored ones. */
    unknownAttempts(): Array<{ stationId: string; at: string; remoteAddress: string; count: number }> {
      return [...unknownAttempts].map(([stationId, a]) => ({ stationId, at: a.at, remoteAddress: a.remoteAddress, count: a.count }));
    },

    // Connection timestamps are "latest value wins" and nobody waits for them: coalesced
    // updates, which also keeps reconnect storms from deadlocking write batches on PostgreSQL.
    onConnected(stationId: string, protocol: string): void {
      const at = iso();
      disconnectedAt.delete(stationId);
      // No subprotocol negotiated (a 1.6 charger that offered none): null, which reads as 1.6.
      db.updateLater('stations', 'id', stationId, { last_connected_at: at, ocpp_protocol: protocol === '' ? null : protocol, updated_at: at });
      ctx.services.credentialFlows.onConnected(stationId);
    },

    onDisconnected(stationId: string): void {
      const at = iso();
      const seen = lastSeen.get(stationId);
      lastSeen.delete(stationId);
      disconnectedAt.set(stationId, at);
      db.updateLater('stations', 'id', stationId, { last_disconnected_at: at, updated_at: at, ...(seen ? { last_seen_at: seen.at } : {}) });
    },

    /** BootNotification: stores what the charger says about itself, answers with its registration status. */
    async boot(stationId: string, info: BootInfo): Promise<{ status: RegistrationStatus; currentTime: string; interval: number }> {
      const at = iso();
      // Profile 3: the serial number is known now; a certificate that is not this charger's is refused (and the connection closed).
      const conn = connections.get(stationId);
      if (conn?.certificate) {
        const serial = info.chargePointSerialNumber ?? info.chargeBoxSerialNumber ?? null;
        if ((await ctx.services.tls.checkAtBoot(stationId, conn.certificate, serial, conn.remoteAddress ?? '')) !== null) {
          conn.closeAfterReply?.(1008, 'client certificate does not belong to this charge point');
          return { status: 'Rejected', currentTime: at, interval: ctx.config.registration.retryIntervalSeconds };
        }
        awaitingBootCheck.delete(stationId);
      }
      const boot: store.BootRecord = {
        vendor: info.chargePointVendor,
        model: info.chargePointModel,
        chargePointSerial: info.chargePointSerialNumber ?? null,
        chargeBoxSerial: info.chargeBoxSerialNumber ?? null,
        firmwareVersion: info.firmwareVersion ?? null,
        iccid: info.iccid ?? null,
        imsi: info.imsi ?? null,
        meterType: info.meterType ?? null,
        meterSerial: info.meterSerialNumber ?? null,
        at,
      };
      // The update returns the registration status, read in the same statement.
      const { status, closed } = await db.write(async (trx) => {
        const status = await store.recordBoot(trx, stationId, boot);
        return { status, closed: status ? await ctx.services.transactions.closeOpenOnBoot(trx, stationId, at) : [] };
      });
      if (!status) throw new OcppError('InternalError', 'station record missing');
      ctx.services.transactions.afterCloseOnBoot(stationId, closed, at);
      statusCache.set(stationId, status);
      ctx.bus.publish({ type: 'station.booted', stationId, at, registrationStatus: status, ...(info.reason ? { reason: info.reason } : {}) });
      const { heartbeatIntervalSeconds, retryIntervalSeconds } = ctx.config.registration;
      // OCPP 1.6 §4.2: for Accepted, interval is the heartbeat interval; for Pending/Rejected it is
      // the minimum wait before the next BootNotification.
      return { status, currentTime: at, interval: status === 'Accepted' ? heartbeatIntervalSeconds : retryIntervalSeconds };
    },

    async heartbeat(stationId: string): Promise<{ currentTime: string }> {
      const at = iso();
      service.noteActivity(stationId);
      ctx.bus.publish({ type: 'station.heartbeat', stationId, at });
      return { currentTime: at };
    },

    async statusNotification(stationId: string, s: StatusReport): Promise<void> {
      const at = iso();
      const timestamp = s.timestamp ? toIsoTimestamp(s.timestamp) : null;
      // Available: nothing is running on the connector, so what was left open there is closed
      // in the same database transaction (at most one open transaction per connector). Not by
      // a late notification that a newer status (say Charging) already superseded.
      const closesOpen = s.status === 'Available' && s.connectorId > 0;
      const closed = await db.write(async (trx) => {
        const current = await store.recordConnectorStatus(trx, {
          stationId,
          connectorId: s.connectorId,
          status: s.status,
          errorCode: s.errorCode,
          info: s.info ?? null,
          vendorId: s.vendorId ?? null,
          vendorErrorCode: s.vendorErrorCode ?? null,
          timestamp,
          receivedAt: at,
        });
        return closesOpen && current ? ctx.services.transactions.closeOpenOnAvailable(trx, stationId, s.connectorId, timestamp ?? at, at) : [];
      });
      if (closed.length) ctx.services.transactions.afterCloseOnAvailable(stationId, closed, at);
      ctx.bus.publish({ type: 'connector.status', stationId, at, connectorId: s.connectorId, status: s.status, errorCode: s.errorCode });
    },

    /**
     * OCPP-J 1.6 errata 3.8: a CALL other than BootNotification from a charger that is not
     * (yet) Accepted is answered with SecurityError. The status is read from the database, so
     * a charger accepted earlier may talk right after a reconnect without booting again.
     */
    async gate(stationId: string, action: string): Promise<void> {
      if (action === 'BootNotification') return;
      if (awaitingBootCheck.has(stationId)) {
        throw new OcppError('SecurityError', 'the client certificate is checked against the serial number at BootNotification: only BootNotification is allowed until then');
      }
      let status = statusCache.get(stationId);
      if (status === undefined) {
        status = (await store.getStation(db.kysely, stationId))?.registration_status;
        if (status) statusCache.set(stationId, status);
      }
      if (status !== 'Accepted') {
        throw new OcppError('SecurityError', `charge point is ${status ?? 'not registered'}: only BootNotification is allowed until it is Accepted`);
      }
    },

    /** Other stations that reported this serial number (profile 3 binding; see tls.checkAtBoot). */
    stationsWithSerial(serial: string, exceptId: string): Promise<string[]> {
      return store.stationsWithSerial(db.kysely, serial, exceptId);
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
     * validated by the protocol layer before it leaves; the registration gate applies here. Every
     * command that passes the gate is shown to the observers registered for its action (answer or
     * error) before the caller gets the result, so state follows the charger on every route.
     */
    async sendCommand<A extends CentralAction>(stationId: string, action: A, payload: CentralToCharger[A]['req'], opts: SendOptions = {}): Promise<CentralToCharger[A]['res']> {
      return sendIn('1.6', stationId, action, payload, opts) as Promise<CentralToCharger[A]['res']>;
    },

    /** sendCommand for a 2.0.1 station: the same gate, events, observers (registered for 2.0.1) and redaction. */
    async sendCommand201<A extends CsmsAction201>(stationId: string, action: A, payload: CsmsToStation201[A]['req'], opts: SendOptions = {}): Promise<CsmsToStation201[A]['res']> {
      return sendIn('2.0.1', stationId, action, payload, opts) as Promise<CsmsToStation201[A]['res']>;
    },

    /** Any action in the station's own version (the raw /ocpp/{Action} endpoint); the protocol layer validates it against that version's schemas. */
    async sendRaw(stationId: string, action: string, payload: unknown, opts: SendOptions = {}): Promise<unknown> {
      return sendIn(null, stationId, action, payload, opts);
    },

    /**
     * Sends an intent (Plugboard's own terms) in the station's version: `translators` has one
     * translation per version (a module's ocpp16.ts / ocpp201.ts), giving the action, its payload
     * and how to read the answer back. A version without a translator refuses with CommandRefusedError.
     */
    async sendIntent<R>(stationId: string, translators: IntentTranslators<R>, opts: SendOptions = {}): Promise<R> {
      const version = await this.versionOf(stationId);
      const make = translators[version];
      if (!make) throw new CommandRefusedError(stationId, `station ${stationId} speaks OCPP ${version}: this command has no OCPP ${version} form`);
      const t = make();
      const res = await sendIn(version, stationId, t.action, t.payload, opts);
      return t.result(res);
    },

    /** The OCPP version a station speaks: its live connection's, else the last one it connected with (never seen: 1.6). */
    async versionOf(stationId: string): Promise<OcppVersion> {
      const live = connections.get(stationId)?.version;
      if (live) return live;
      const station = await store.getStation(db.kysely, stationId);
      if (!station) throw new StationNotFoundError(stationId);
      return versionOfSubprotocol(station.ocpp_protocol);
    },



    /** Registers an observer of every `action` command sendCommand sends; returns its removal. */
    observeCommand<A extends CentralAction>(action: A, observer: CommandObserver<A>, version: OcppVersion = '1.6'): () => void {
      const key = `${version}:${action}`;
      const list = observers.get(key) ?? [];
      list.push(observer as unknown as CommandObserver<CentralAction>);
      observers.set(key, list);
      return () => {
        const i = list.indexOf(observer as unknown as CommandObserver<CentralAction>);
        if (i >= 0) list.splice(i, 1);
      };
    },

    // The Core profile commands owned by this module (OCPP 1.6 §5).
    /** ChangeAvailability intent: station (EVSE 0), EVSE (1.6 connector), or a connector within an EVSE (2.0.1); the answer may be Scheduled when busy. */
    changeAvailability(stationId: string, req: AvailabilityIntent | CentralToCharger['ChangeAvailability']['req']) {
      const intent: AvailabilityIntent = 'type' in req ? { operative: req.type === 'Operative', evseId: req.connectorId } : req;
      return service.sendIntent(stationId, { '1.6': () => intents16.changeAvailability(intent), '2.0.1': () => intents201.changeAvailability(intent) });
    },
    changeConfiguration(stationId: string, req: CentralToCharger['ChangeConfiguration']['req']) {
      return service.sendCommand(stationId, 'ChangeConfiguration', req);
    },
    getConfiguration(stationId: string, req: CentralToCharger['GetConfiguration']['req'] = {}) {
      return service.sendCommand(stationId, 'GetConfiguration', req);
    },
    /** Reset intent: 1.6 Hard (now) / Soft (idle) of the whole charger; 2.0.1 Immediate / OnIdle of the station or an EVSE. */
    reset(stationId: string, req: ResetIntent | CentralToCharger['Reset']['req']) {
      const intent: ResetIntent = 'type' in req ? { when: req.type === 'Soft' ? 'idle' : 'now' } : req;
      return service.sendIntent(stationId, { '1.6': () => intents16.reset(intent), '2.0.1': () => intents201.reset(intent) });
    },
    /** UnlockConnector intent: 1.6 connector n = EVSE n; 2.0.1 evseId + connectorId within it. */
    unlockConnector(stationId: string, req: UnlockIntent | CentralToCharger['UnlockConnector']['req']) {
      const intent: UnlockIntent = 'evseId' in req ? req : { evseId: req.connectorId };
      return service.sendIntent(stationId, { '1.6': () => intents16.unlock(intent), '2.0.1': () => intents201.unlock(intent) });
    },
    sendDataTransfer(stationId: string, req: CentralToCharger['DataTransfer']['req']) {
      return service.sendCommand(stationId, 'DataTransfer', req);
    },

    // Operator side (CLI now, REST API later).
    /** Pre-registers a station; StationExistsError if the id is taken. It leaves the unknown-stations list. */
    async create(input: NewStationInput): Promise<Station> {
      assertStationPassword(input.password);
      const columns = await passwordColumns(input.id, input.password);
      const row = newStationRow(input.id, input.registrationStatus ?? 'Accepted', columns.password_hash, input.securityProfile ?? null, columns.password_verifier);
      row.ocpp_versions = encodeOcppVersions(input.ocppVersions);
      const inserted = await db.write(async (trx) => {
        if (!(await store.insertStationIfNew(trx, row))) return false;
        await store.deleteUnknownStation(trx, input.id);
        return true;
      });
      if (!inserted) throw new StationExistsError(input.id);
      unknownAttempts.delete(input.id);
      statusCache.delete(input.id);
      return (await store.getStation(db.kysely, input.id))!;
    },

    /**
     * Changes password, security profile and registration status in one write. A password set on
     * a profile-0 station lifts it to profile 1 unless a profile is given (see setPassword).
     */
    async update(stationId: string, input: StationUpdateInput): Promise<Station> {
      assertStationPassword(input.password);
      const station = await store.getStation(db.kysely, stationId);
      if (!station) throw new StationNotFoundError(stationId);
      const patch: Parameters<typeof store.updateStation>[2] = { updated_at: iso() };
      if (input.password !== undefined) {
        Object.assign(patch, await passwordColumns(stationId, input.password));
        if (input.password && station.security_profile === 0) patch.security_profile = 1;
      }
      if (input.securityProfile !== undefined) patch.security_profile = input.securityProfile;
      if (input.registrationStatus !== undefined) patch.registration_status = input.registrationStatus;
      if (input.ocppVersions !== undefined) patch.ocpp_versions = encodeOcppVersions(input.ocppVersions);
      const n = await db.write((trx) => store.updateStation(trx, stationId, patch));
      if (n === 0) throw new StationNotFoundError(stationId);
      if (input.password !== undefined) verified.forget(stationId);
      if (input.registrationStatus !== undefined) statusCache.set(stationId, input.registrationStatus);
      // The live connection used the old credentials: it goes; a rotation waiting for the charger is void.
      if (input.password !== undefined) await ctx.services.credentialFlows.supersede(stationId, 'an operator set the password');
      if (input.password !== undefined || (input.securityProfile !== undefined && input.securityProfile !== station.security_profile)) {
        connections.get(stationId)?.close(CREDENTIALS_CHANGED_CODE, 'credentials changed by an operator');
      } else if (input.ocppVersions !== undefined) {
        // A live connection in a version no longer allowed goes; the charger reconnects with an allowed one.
        const live = connections.get(stationId);
        const allowed = input.ocppVersions ?? ctx.config.ocpp.versions;
        if (live?.version !== undefined && !allowed.includes(live.version)) live.close(CREDENTIALS_CHANGED_CODE, `OCPP ${live.version} is no longer allowed for this station`);
      }
      return withLastSeen((await store.getStation(db.kysely, stationId))!);
    },

    /**
     * Deletes a station and its current connector states (its transactions, history and message
     * log stay: they are records of what happened). A live connection is closed: the charger is
     * not registered any more, and its next attempt lands in the unknown-stations list.
     */
    async remove(stationId: string): Promise<boolean> {
      const n = await db.write(async (trx) => {
        const deleted = await store.deleteStation(trx, stationId);
        if (deleted > 0) await store.deleteConnectorStatuses(trx, stationId);
        return deleted;
      });
      if (n === 0) return false;
      statusCache.delete(stationId);
      lastSeen.delete(stationId);
      disconnectedAt.delete(stationId);
      verified.forget(stationId);
      connections.get(stationId)?.close(1008, 'station deleted');
      return true;
    },

    /** Live connection state comes from here (the gateway in a running server). */
    useConnections(c: Connections): void {
      connections = c;
    },

    /** The live connection of a station, if any (to close it when its credentials change). */
    liveConnection(stationId: string) {
      return connections.get(stationId);
    },

    /** The version of the station's live connection, if it has one. */
    liveVersion(stationId: string): OcppVersion | undefined {
      return connections.get(stationId)?.version;
    },

    isConnected(stationId: string): boolean {
      return connections.get(stationId) !== undefined;
    },

    /** A page of stations, the `connected` filter applied against the live connections. */
    async listPage(filter: store.StationFilter & { connected?: boolean }, sort: SortKey[], page: { limit: number; offset: number }): Promise<{ items: Station[]; total: number }> {
      if (filter.connected === undefined) {
        const [items, total] = await Promise.all([store.listStationsPage(db.kysely, filter, sort, page), store.countStations(db.kysely, filter)]);
        return { items: items.map(withLastSeen), total };
      }
      // Connection state lives in memory, not in a column: filter the ordered ids, then load the page.
      const ids = (await store.listStationIds(db.kysely, filter, sort)).filter((id) => service.isConnected(id) === filter.connected);
      const pageIds = ids.slice(page.offset, page.offset + page.limit);
      const byId = new Map((await store.getStationsByIds(db.kysely, pageIds)).map((s) => [s.id, s]));
      return { items: pageIds.flatMap((id) => (byId.has(id) ? [withLastSeen(byId.get(id)!)] : [])), total: ids.length };
    },

    /** Current connector statuses of several stations, grouped by station id. */
    async connectorStatusesOf(stationIds: string[]) {
      const grouped = new Map<string, Awaited<ReturnType<typeof store.connectorStatusesOf>>>();
      for (const row of await store.connectorStatusesOf(db.kysely, stationIds)) {
        const list = grouped.get(row.station_id) ?? [];
        list.push(row);
        grouped.set(row.station_id, list);
      }
      return grouped;
    },

    /**
     * Current connector statuses of the given stations with their effective status, grouped by
     * station id: two queries however many stations (statuses, and the open transactions).
     */
    async connectorViewsOf(stations: Station[]): Promise<Map<string, ConnectorView[]>> {
      const ids = stations.map((s) => s.id);
      const [grouped, open] = await Promise.all([service.connectorStatusesOf(ids), ctx.services.transactions.openConnectorsOf(ids)]);
      const out = new Map<string, ConnectorView[]>();
      for (const station of stations) {
        const rows = grouped.get(station.id);
        if (!rows) continue;
        const live = service.isConnected(station.id) ? null : { since: offlineSince(station) };
        out.set(station.id, rows.map((r) => ({ ...r, ...effectiveStatus(r, live, open.get(station.id)) })));
      }
      return out;
    },

    async statusHistoryPage(filter: store.HistoryFilter, sort: SortKey[], page: { limit: number; offset: number }) {
      const [items, total] = await Promise.all([store.statusHistoryPage(db.kysely, filter, sort, page), store.countStatusHistory(db.kysely, filter)]);
      return { items, total };
    },

    /** Identities that tried to connect while unknown, as stored (pending counts written first). */
    async unknownStationsPage(sort: SortKey[], page: { limit: number; offset: number }) {
      await flushUnknownAttempts();
      // The list shows the bounded set: writes since the last prune are pruned first.
      if (unknownPruning !== null) await unknownPruning;
      if (unknownWritesSincePrune > 0) await pruneUnknownStations();
      const [items, total] = await Promise.all([store.unknownStationsPage(db.kysely, sort, page), store.countUnknownStations(db.kysely)]);
      return { items, total };
    },

    /** Stores what is still only counted in memory; called before the database closes. */
    async stop(): Promise<void> {
      if (unknownPruneTimer !== null) clearInterval(unknownPruneTimer);
      unknownPruneTimer = null;
      await unknownPruning;
      return flushUnknownAttempts();
    },

    /**
     * Sets (or clears) a charger's Basic-auth password. A station that was auto-registered
     * under profile 0 moves to profile 1 when it gets a password: the operator who sets a
     * password means it to be checked.
     */
    async setPassword(stationId: string, password: string | null): Promise<void> {
      assertStationPassword(password);
      const station = await store.getStation(db.kysely, stationId);
      if (!station) throw new StationNotFoundError(stationId);
      const columns = await passwordColumns(stationId, password);
      const profile = password && station.security_profile === 0 ? 1 : station.security_profile;
      await db.write((trx) => store.updateStation(trx, stationId, { ...columns, security_profile: profile, updated_at: iso() }));
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
      return row && withLastSeen(row);
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
