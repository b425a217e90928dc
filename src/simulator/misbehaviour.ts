// Frames a broken charger might send, for robustness tests. Each is something OCPP-J 1.6 §4
// tells the central system how to answer: a CALLERROR with the right code (or, for the frame
// whose id cannot be read, a CALLERROR with an id it cannot match). Ids start with "inv-" so
// the answers can be told apart from those to real CALLs.
import { pick, type Rng } from './random.ts';

export const INVALID_ID_PREFIX = 'inv-';

const KINDS: Array<(id: string) => string> = [
  // TypeConstraintViolation: a string where an integer belongs
  (id) => JSON.stringify([2, id, 'StatusNotification', { connectorId: 'one', errorCode: 'NoError', status: 'Available' }]),
  // PropertyConstraintViolation: a status no enum has
  (id) => JSON.stringify([2, id, 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Bored' }]),
  // OccurenceConstraintViolation: meterValue missing
  (id) => JSON.stringify([2, id, 'MeterValues', { connectorId: 1 }]),
  // FormationViolation: a field the schema does not allow
  (id) => JSON.stringify([2, id, 'Heartbeat', { uptime: 42 }]),
  // NotImplemented: no such action
  (id) => JSON.stringify([2, id, 'SelfDestruct', {}]),
  // NotSupported: an action that only travels the other way
  (id) => JSON.stringify([2, id, 'Reset', { type: 'Hard' }]),
  // FormationViolation, id unreadable: truncated JSON
  (id) => `[2,"${id}","Heartbeat",{`,
];

export function invalidFrame(rng: Rng, id: string): string {
  return pick(rng, KINDS)(id);
}

/** Is this frame the central system's answer to one of our invalid frames? */
export function isAnswerToInvalid(text: string): boolean {
  return /^\[\s*[34]\s*,\s*"(inv-|-1")/.test(text);
}
