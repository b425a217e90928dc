// Routes each inbound CALL from a charger to the handler a module registered for its action.
// Payloads arrive already schema-validated by the protocol layer; responses are validated on
// the way out by the same layer.
import type { ChargerAction, ChargerToCentral } from './protocol/ocpp16.ts';
import { OcppError } from './protocol/errors.ts';
import type { Logger } from './log.ts';

export interface OcppSession {
  stationId: string;
  log: Logger;
}

type Handler<A extends ChargerAction> = (req: ChargerToCentral[A]['req'], session: OcppSession) => Promise<ChargerToCentral[A]['res']>;

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

export class OcppDispatcher {
  #handlers = new Map<string, Handler<any>>();
  #gate: Gate | null = null;

  on<A extends ChargerAction>(action: A, handler: Handler<A>): void {
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
    // A 1.6 action we know of but do not implement yet: NotSupported, as OCPP-J 1.6 §4.2.3 asks
    // ("Requested Action is recognized but not supported by the receiver").
    if (!handler) throw new OcppError('NotSupported', `${action} is not supported by this central system`);
    if (this.#gate) await this.#gate(session, action);
    checkStorableIntegers(payload);
    return handler(payload as never, session);
  }
}
