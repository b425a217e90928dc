// Commands from the API to chargers: any central-system-to-charger action of the station's OCPP
// version (1.6: the six profiles and the Security Whitepaper; 2.0.1: every CSMS-to-station
// action), its payload checked against that version's official schema before anything is
// sent, to one charger or to many. Sending itself (registration gate, events, metrics) is the
// stations service's sendRaw, which sends in the station's own version.
import type { AppContext } from '../../context.ts';
import { CENTRAL_TO_CHARGER_ACTIONS, ocpp16Validator, type CentralAction } from '../../protocol/index.ts';
import { CSMS_TO_STATION_ACTIONS_201, validatorForVersion } from '../../protocol/validator.ts';
import type { OcppVersion } from '../../protocol/versions.ts';
import { mapSettledBounded } from './bounded.ts';

/** The central-system actions of any version (what the raw endpoint's action may name). */
export const ANY_VERSION_CENTRAL_ACTIONS: readonly string[] = [...new Set<string>([...CENTRAL_TO_CHARGER_ACTIONS, ...CSMS_TO_STATION_ACTIONS_201])];

/** The action is a central-system action of OCPP, but not of the station's version; nothing was sent. */
export class ActionNotInVersionError extends Error {
  readonly action: string;
  readonly version: OcppVersion;
  constructor(stationId: string, action: string, version: OcppVersion) {
    super(`${action} is not an OCPP ${version} command; station ${stationId} speaks OCPP ${version}`);
    this.name = 'ActionNotInVersionError';
    this.action = action;
    this.version = version;
  }
}

/** Commands to distinct chargers are independent; the bound keeps database lookups and memory in check. */
export const BULK_CONCURRENCY = 100;
export const MAX_BULK_STATIONS = 1000;

/** The action is not one the central system sends (unknown, or charger-to-central only). */
export class UnknownCommandError extends Error {
  readonly action: string;
  readonly chargerAction: boolean;
  constructor(action: string, versions: readonly OcppVersion[] = ['1.6']) {
    const chargerAction = versions.some((v) => validatorForVersion(v).isChargerAction(action));
    const names = versions.length === 1 && versions[0] === '1.6' ? CENTRAL_TO_CHARGER_ACTIONS : ANY_VERSION_CENTRAL_ACTIONS;
    const similar = names.find((a) => a.toLowerCase() === action.toLowerCase());
    super(
      chargerAction
        ? `${action} is sent by chargers to the central system, not by the central system to a charger`
        : `${action} is not an OCPP ${versions.join(' or ')} command to a charger${similar ? ` (did you mean ${similar}?)` : ''}; see the OpenAPI document for the list`,
    );
    this.name = 'UnknownCommandError';
    this.action = action;
    this.chargerAction = chargerAction;
  }
}

/** The payload fails the action's official request schema; nothing was sent. */
export class CommandPayloadError extends Error {
  readonly action: string;
  readonly errors: Array<{ path: string; message: string }>;
  constructor(action: string, message: string, errors: Array<{ path: string; message: string }>) {
    super(`invalid ${action} request: ${message}`);
    this.name = 'CommandPayloadError';
    this.action = action;
    this.errors = errors;
  }
}

export function isCentralAction(action: string): action is CentralAction {
  return ocpp16Validator.isCentralAction(action);
}

/** A central-system action of 1.6 or of 2.0.1. */
export function isAnyVersionCentralAction(action: string): boolean {
  return ocpp16Validator.isCentralAction(action) || validatorForVersion('2.0.1').isCentralAction(action);
}

/**
 * Throws unless `action` is a central-system action of `version` and `payload` is valid for
 * it against that version's schema (ActionNotInVersionError when the action exists in OCPP but
 * not in this version). As checkCommand, only the schema is applied.
 */
export function checkCommandIn(version: OcppVersion, stationId: string, action: string, payload: unknown): void {
  const validator = validatorForVersion(version);
  if (!validator.isCentralAction(action)) {
    if (isAnyVersionCentralAction(action)) throw new ActionNotInVersionError(stationId, action, version);
    throw new UnknownCommandError(action, [version]);
  }
  const v = validator.validateRequest(action, payload, 'local');
  if (!v.ok) throw new CommandPayloadError(action, `${v.message.replace(/^\w+Request: /, '')} (OCPP ${version})`, v.errors);
}

/**
 * Throws unless `action` is a central-system action and `payload` is valid for it. Only the
 * schema is applied: a schema-valid value the spec calls out of range still goes out, because
 * compliance tests send such values on purpose (e.g. MeterValueSampleInterval=-1).
 */
export function checkCommand(action: string, payload: unknown): asserts action is CentralAction {
  if (!isCentralAction(action)) throw new UnknownCommandError(action);
  // 'local': what we send must be strictly valid (full RFC 3339 timestamps), as the RPC layer checks again.
  const v = ocpp16Validator.validateRequest(action, payload, 'local');
  if (!v.ok) throw new CommandPayloadError(action, v.message.replace(/^\w+Request: /, ''), v.errors);
}

export type BulkOutcome = { stationId: string; ok: true; response: unknown } | { stationId: string; ok: false; error: unknown };

export function createCommandsService(ctx: AppContext) {
  return {
    /** Validates against the station's version, sends in it, and resolves with the charger's response payload. */
    async send(stationId: string, action: string, payload: unknown, opts: { timeoutMs?: number } = {}): Promise<unknown> {
      const version = await ctx.services.stations.versionOf(stationId);
      checkCommandIn(version, stationId, action, payload);
      return ctx.services.stations.sendRaw(stationId, action, payload, opts);
    },

    /**
     * The same command to many chargers, each in its own version. The action and payload are
     * checked once per version among the stations: when they are valid for none of them, that
     * throws before anything is sent (as for one version); stations of a version they are not
     * valid for get that error as their outcome. Every charger gets its own outcome, in the order given.
     */
    async bulk(stationIds: readonly string[], action: string, payload: unknown, opts: { timeoutMs?: number } = {}): Promise<BulkOutcome[]> {
      if (!isAnyVersionCentralAction(action)) throw new UnknownCommandError(action, ['1.6', '2.0.1']);
      const versions = await mapSettledBounded(stationIds, BULK_CONCURRENCY, (id) => ctx.services.stations.versionOf(id));
      const checks = new Map<OcppVersion, unknown>();
      for (const v of versions) {
        if (v.status !== 'fulfilled' || checks.has(v.value)) continue;
        try {
          checkCommandIn(v.value, '(bulk)', action, payload);
          checks.set(v.value, null);
        } catch (err) {
          checks.set(v.value, err);
        }
      }
      const failures = [...checks.values()].filter((e) => e !== null);
      if (checks.size > 0 && failures.length === checks.size) throw failures[0];
      const settled = await mapSettledBounded(stationIds.map((id, i) => ({ id, i })), BULK_CONCURRENCY, async ({ id, i }) => {
        const v = versions[i];
        if (v.status === 'rejected') throw v.reason;
        const refused = checks.get(v.value);
        if (refused instanceof ActionNotInVersionError) throw new ActionNotInVersionError(id, action, v.value);
        if (refused) throw refused;
        return ctx.services.stations.sendRaw(id, action, payload, opts);
      });
      return settled.map((s, i) => (s.status === 'fulfilled' ? { stationId: stationIds[i], ok: true, response: s.value } : { stationId: stationIds[i], ok: false, error: s.reason }));
    },
  };
}

export type CommandsService = ReturnType<typeof createCommandsService>;
