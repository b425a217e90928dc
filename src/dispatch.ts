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
    return handler(payload as never, session);
  }
}
