// Routes each inbound CALL from a charger to the handler a module registered for its action.
// Payloads arrive already schema-validated by the protocol layer; responses are validated on
// the way out by the same layer.
// One dispatcher per OCPP version (ctx.ocpp16, ctx.ocpp201): a module's ocpp16.ts registers its
// 1.6 handlers on the first, its ocpp201.ts its 2.0.1 handlers on the second, and both call the
// same service in Plugboard's own terms (ADR 0014).
import type { ChargerToCentral } from './protocol/ocpp16.ts';
import type { StationToCsms201 } from './protocol/ocpp201.ts';
import type { OcppVersion } from './protocol/versions.ts';
import { OcppError } from './protocol/errors.ts';
import type { Logger } from './log.ts';

export interface OcppSession {
  stationId: string;
  /** the version of the connection the CALL came on */
  version: OcppVersion;
  log: Logger;
}

type MessageMap = Record<string, { req: unknown; res: unknown }>;

type Handler<M extends MessageMap, A extends keyof M> = (req: M[A]['req'], session: OcppSession) => Promise<M[A]['res']>;

/** Decides whether a charger may send this action now; throws OcppError to refuse. */
export type Gate = (session: OcppSession, action: string) => void | Promise<void>;

// The 1.6 schemas give these integers no maximum; the database does (connector ids are int4,
// meter registers int8). A value past that is answered as a property violation instead of
// failing in the database as an InternalError that the charger would retry forever.
const INT_LIMITS: Record<string, number> = { connectorId: 2_147_483_647, meterStart: Number.MAX_SAFE_INTEGER, meterStop: Number.MAX_SAFE_INTEGER };

function checkStorableIntegers(payload: unknown): void {
  if (typeof payload !== 'object' || payload === null) return;
  for (const [field, max] of Object.entries(INT_LIMITS)) {
    const v = (payload as Record<string, unknown>)[field];
    if (typeof v === 'number' && Math.abs(v) > max) {
      throw new OcppError('PropertyConstraintViolation', `${field} ${v} is out of range (at most ${max})`);
    }
  }
}

/**
 * PostgreSQL text cannot hold U+0000, which JSON allows (`"\u0000"`) and the schemas do not
 * forbid. Replace it with U+FFFD in every string of the payload, on both databases alike, so a
 * charger's report is stored instead of failing as an InternalError. The message log keeps the
 * frame as sent (escaped).
 */
function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value) as T;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = withoutNul(value[i]);
  } else if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj)) obj[k] = withoutNul(obj[k]);
  }
  return value;
}

export class OcppDispatcher<M extends MessageMap = ChargerToCentral & MessageMap> {
  #handlers = new Map<string, Handler<M, any>>();
  #gate: Gate | null = null;

  on<A extends keyof M & string>(action: A, handler: Handler<M, A>): void {
    if (this.#handlers.has(action)) throw new Error(`a handler for ${action} is already registered`);
    this.#handlers.set(action, handler);
  }

  setGate(gate: Gate): void {
    this.#gate = gate;
  }

  handles(action: string): boolean {
    return this.#handlers.has(action);
  }

  async dispatch(session: OcppSession, action: string, payload: unknown): Promise<unknown> {
    const handler = this.#handlers.get(action);
    // An action of the version we know of but do not implement yet: NotSupported, as OCPP-J 1.6
    // §4.2.3 and 2.0.1 Part 4 §4.3 ask ("recognized but not supported by the receiver").
    if (!handler) throw new OcppError('NotSupported', `${action} is not supported by this central system`);
    if (this.#gate) await this.#gate(session, action);
    checkStorableIntegers(payload);
    return handler(withoutNul(payload) as never, session);
  }
}

/** The 2.0.1 dispatcher's type. */
export type Ocpp201Dispatcher = OcppDispatcher<StationToCsms201 & MessageMap>;
