// Commands from the API to chargers: any central-system-to-charger action of OCPP 1.6 (the six
// profiles and the Security Whitepaper), its payload checked against the official schema
// before anything is sent, to one charger or to many. Sending itself (registration gate,
// events, metrics) is the stations service's sendCommand.
import type { AppContext } from '../../context.ts';
import { CENTRAL_TO_CHARGER_ACTIONS, ocpp16Validator, type CentralAction } from '../../protocol/index.ts';
import { mapSettledBounded } from './bounded.ts';

/** Commands to distinct chargers are independent; the bound keeps database lookups and memory in check. */
export const BULK_CONCURRENCY = 100;
export const MAX_BULK_STATIONS = 1000;

/** The action is not one the central system sends (unknown, or charger-to-central only). */
export class UnknownCommandError extends Error {
  readonly action: string;
  readonly chargerAction: boolean;
  constructor(action: string) {
    const chargerAction = ocpp16Validator.isChargerAction(action);
    const similar = CENTRAL_TO_CHARGER_ACTIONS.find((a) => a.toLowerCase() === action.toLowerCase());
    super(
      chargerAction
        ? `${action} is sent by chargers to the central system, not by the central system to a charger`
        : `${action} is not an OCPP 1.6 command to a charger${similar ? ` (did you mean ${similar}?)` : ''}; see the OpenAPI document for the list`,
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
    /** Validates, sends, and resolves with the charger's response payload. */
    async send(stationId: string, action: string, payload: unknown, opts: { timeoutMs?: number } = {}): Promise<unknown> {
      checkCommand(action, payload);
      return ctx.services.stations.sendCommand(stationId, action, payload as never, opts);
    },

    /**
     * The same command to many chargers. The payload is checked once (an invalid one throws
     * before anything is sent); then every charger gets its own outcome, in the order given.
     */
    async bulk(stationIds: readonly string[], action: string, payload: unknown, opts: { timeoutMs?: number } = {}): Promise<BulkOutcome[]> {
      checkCommand(action, payload);
      const settled = await mapSettledBounded(stationIds, BULK_CONCURRENCY, (id) => ctx.services.stations.sendCommand(id, action, payload as never, opts));
      return settled.map((s, i) => (s.status === 'fulfilled' ? { stationId: stationIds[i], ok: true, response: s.value } : { stationId: stationIds[i], ok: false, error: s.reason }));
    },
  };
}

export type CommandsService = ReturnType<typeof createCommandsService>;
