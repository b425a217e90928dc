// Fuzzing the charger side of a real Plugboard (DESIGN.md: "bad input never crashes the
// process or another charger's session"). Twenty noisy chargers send thousands of frames made
// from valid OCPP 1.6 CALLs by one mutation each (truncated, types flipped, required fields
// dropped, strings too long, enums and dates wrong, huge numbers, unicode edge cases, deep
// nesting, wrong message types and ids, unknown actions, duplicate ids, random text), while
// ten well-behaved stations run ordinary charging sessions on their own connections.
//
// Every generated frame knows the answer OCPP-J 1.6 wants for it (§4.1.3, §4.2.3 Table 7,
// J-errata 3.1): a CALLERROR with the 1.6 code for a CALL the server can read, nothing for an
// unknown message type or a stray response, the usual answer for a frame that is still valid.
// Each charger ends with a frame that must close it (too big: 1009, binary: 1003, not UTF-8:
// 1007), then reconnects. Frames are generated from a seed (PLUGBOARD_FUZZ_SEED to replay one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as schemas16 from 'typed-ocpp/dist/ocpp16/schemas.js';
import { eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import { ERROR_CODES_16 } from '../../src/protocol/errors.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';
import type { RawData } from 'ws';

const SEED = Number(process.env.PLUGBOARD_FUZZ_SEED ?? 0x5eed1606);
const NOISY_CHARGERS = 20;
const FRAMES_PER_CHARGER = 300;
/** frames sent back to back before a probe; well under the server's 100 queued CALLs */
const BATCH = 22;
const GOOD_STATIONS = 10;
const MAX_FRAME_BYTES = 64 * 1024;

// ---- deterministic randomness ----------------------------------------------------------

/** mulberry32: small, fast and good enough to pick mutations; the same seed gives the same frames. */
function rngFrom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof rngFrom>;

// ---- valid CALLs, the material every mutation starts from ------------------------------

const iso = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();

const BASE_PAYLOADS: Record<string, (r: Rng) => Record<string, unknown>> = {
  Heartbeat: () => ({}),
  BootNotification: (r) => ({
    chargePointVendor: 'FuzzWorks',
    chargePointModel: `M${r.int(1, 9)}`,
    chargePointSerialNumber: `SN-${r.int(1, 999)}`,
    firmwareVersion: '1.0.0',
    iccid: '8931',
    imsi: '2620',
    meterType: 'AC',
    meterSerialNumber: 'MS-1',
  }),
  StatusNotification: (r) => ({
    connectorId: r.int(0, 2),
    errorCode: r.pick(['NoError', 'OtherError', 'GroundFailure']),
    status: r.pick(['Available', 'Preparing', 'Faulted', 'Unavailable']),
    timestamp: iso(),
    info: 'fuzz',
    vendorId: 'org.fuzz',
    vendorErrorCode: 'E1',
  }),
  Authorize: (r) => ({ idTag: `FUZZ-${r.int(1, 50)}` }),
  StartTransaction: (r) => ({ connectorId: r.int(1, 2), idTag: `FUZZ-${r.int(1, 50)}`, meterStart: r.int(0, 100_000), timestamp: iso(), reservationId: r.int(1, 5) }),
  StopTransaction: (r) => ({
    // Small ids that belong to the well-behaved stations' transactions: the server must not
    // let one charger stop another's session.
    transactionId: r.int(1, 40),
    meterStop: r.int(0, 100_000),
    timestamp: iso(),
    idTag: `FUZZ-${r.int(1, 50)}`,
    reason: r.pick(['Local', 'Remote', 'Other']),
    transactionData: [{ timestamp: iso(), sampledValue: [{ value: '10', context: 'Transaction.End', format: 'Raw', measurand: 'Energy.Active.Import.Register', phase: 'L1', location: 'Outlet', unit: 'Wh' }] }],
  }),
  MeterValues: (r) => ({
    connectorId: r.int(1, 2),
    transactionId: r.int(1, 40),
    meterValue: [{ timestamp: iso(), sampledValue: [{ value: String(r.int(0, 1e6)), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' }] }],
  }),
  DataTransfer: (r) => ({ vendorId: 'org.fuzz', messageId: `m${r.int(1, 9)}`, data: '{"k":1}' }),
  DiagnosticsStatusNotification: (r) => ({ status: r.pick(['Idle', 'Uploading']) }),
  FirmwareStatusNotification: (r) => ({ status: r.pick(['Idle', 'Downloading']) }),
  LogStatusNotification: (r) => ({ status: 'Idle', requestId: r.int(1, 9) }),
  SecurityEventNotification: () => ({ type: 'SettingSystemTime', timestamp: iso(), techInfo: 'fuzz' }),
  SignCertificate: () => ({ csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----' }),
  SignedFirmwareStatusNotification: (r) => ({ status: 'Idle', requestId: r.int(1, 9) }),
};
const ACTIONS = Object.keys(BASE_PAYLOADS);

// ---- where a payload can be mutated, read from the official schemas --------------------

type Schema = {
  type?: string;
  enum?: string[];
  maxLength?: number;
  format?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  $ref?: string;
};

interface Site {
  /** keys from the payload root; [] is the payload itself */
  path: Array<string | number>;
  schema: Schema;
  /** the parent object requires this property */
  required: boolean;
}

function schemaOf(action: string): Schema & { definitions?: Record<string, Schema> } {
  return (schemas16 as unknown as Record<string, Schema>)[`${action}Request`];
}

function sitesOf(action: string, payload: unknown): Site[] {
  const root = schemaOf(action);
  const resolve = (s: Schema): Schema => (s.$ref ? (root as { definitions: Record<string, Schema> }).definitions[s.$ref.split('/').pop()!] : s);
  const sites: Site[] = [];
  const walk = (value: unknown, schema: Schema, path: Array<string | number>, required: boolean) => {
    const s = resolve(schema);
    sites.push({ path, schema: s, required });
    if (s.type === 'object' && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, s.properties![k], [...path, k], s.required?.includes(k) ?? false);
    } else if (s.type === 'array' && Array.isArray(value)) {
      value.forEach((v, i) => walk(v, s.items!, [...path, i], false));
    }
  };
  walk(payload, root, [], true);
  return sites;
}

function setAt(root: Record<string, unknown>, path: Array<string | number>, value: unknown | typeof DROP): void {
  let at: any = root;
  for (const k of path.slice(0, -1)) at = at[k];
  const last = path[path.length - 1];
  if (value === DROP) delete at[last];
  else at[last] = value;
}
const DROP = Symbol('drop');

// ---- the frames, each with the answer it must get ---------------------------------------

type Code = (typeof ERROR_CODES_16)[number];
/** 'R': a CALLRESULT; 'E:<code>': a CALLERROR with that code */
type Answer = 'R' | `E:${Code}`;

interface Expected {
  id: string;
  /** any one of these answers is right */
  accept: Answer[];
}

interface Frame {
  kind: string;
  text: string;
  /** one entry per answer the frame must get; [] when OCPP-J 1.6 wants silence */
  expect: Expected[];
  /** the protocol layer refuses it (a CALLERROR it counts as a bad message), rather than a handler answering it */
  refusal?: true;
}

/** How the server answers each action's valid CALL (a CALLRESULT, or NotSupported for one it does not implement). */
type Baseline = Record<string, Answer>;

// U+0000 has a test of its own below (PostgreSQL text cannot hold it).
const UNICODE_EDGES = ['\uD800', '\uDFFF', '\uFEFF', '\u202E', '\u2028', '\uFFFF', 'e\u0301', '🔌', '𝔘', '\\', '"', '\u0007', 'ß', '中'];
const RANDOM_TEXT_CHARS = '[]{}",:0123456789-+.eE truefalsn\\/abc\u00e9\u4e2d🔌\t\n';

/** `pieces` picks from the pool, joined (a piece may be more than one code point). */
function randomString(r: Rng, pieces: number, pool: readonly string[]): string {
  let s = '';
  for (let i = 0; i < pieces; i++) s += r.pick(pool);
  return s;
}

function wrongTypeValue(r: Rng, type: string | undefined): unknown {
  const candidates: Record<string, unknown[]> = {
    string: [1, 0, true, null, {}, [], 12.5],
    integer: ['1', 1.5, true, null, {}, [], '', -0.25],
    number: ['1', true, null, {}, []],
    boolean: ['true', 1, null],
    array: [{}, 'x', 1, null, true],
    object: [[], 'x', 1, null, true],
  };
  return r.pick(candidates[type ?? 'string'] ?? candidates.string);
}

function badEnumValue(r: Rng, allowed: readonly string[]): string {
  for (;;) {
    const base = r.pick(allowed);
    const v = r.pick([base.toLowerCase(), base.toUpperCase(), `${base} `, ` ${base}`, `${base}x`, '', 'Unknown', base.replace(/./, '')]);
    if (!allowed.includes(v)) return v;
  }
}

const RAW = '@@raw@@';

class FrameFactory {
  readonly r: Rng;
  readonly prefix: string;
  readonly baseline: Baseline;
  #n = 0;

  constructor(r: Rng, prefix: string, baseline: Baseline) {
    this.r = r;
    this.prefix = prefix;
    this.baseline = baseline;
  }

  nextId(): string {
    return `${this.prefix}-${++this.#n}`;
  }

  valid(action = this.r.pick(ACTIONS)): { action: string; payload: Record<string, unknown> } {
    return { action, payload: BASE_PAYLOADS[action](this.r) };
  }

  /** One frame of a randomly chosen kind. */
  make(): Frame {
    const r = this.r;
    const kinds: Array<[number, () => Frame]> = [
      [5, () => this.validCall()],
      [8, () => this.schemaMutation('drop-required')],
      [10, () => this.schemaMutation('wrong-type')],
      [6, () => this.schemaMutation('bad-enum')],
      [6, () => this.schemaMutation('overlong')],
      [4, () => this.schemaMutation('bad-format')],
      [5, () => this.schemaMutation('extra-property')],
      [6, () => this.schemaMutation('huge-number')],
      [6, () => this.schemaMutation('unicode')],
      [2, () => this.schemaMutation('long-free-string')],
      [4, () => this.schemaMutation('deep-nesting')],
      [8, () => this.truncated()],
      [6, () => this.randomText()],
      [2, () => this.notAnArray()],
      [5, () => this.badMessageType()],
      [4, () => this.badMessageId()],
      [5, () => this.badStructure()],
      [4, () => this.unknownAction()],
      [4, () => this.responseNoise()],
    ];
    const total = kinds.reduce((n, [w]) => n + w, 0);
    let roll = r.next() * total;
    for (const [w, make] of kinds) {
      roll -= w;
      if (roll < 0) return make();
    }
    return this.validCall();
  }

  validCall(): Frame {
    const { action, payload } = this.valid();
    const id = this.nextId();
    return { kind: `valid ${action}`, text: JSON.stringify([2, id, action, payload]), expect: [{ id, accept: [this.baseline[action]] }] };
  }

  /** Two identical valid CALLs back to back: the second is a duplicate while the first may still be handled (§4.1.4). */
  duplicatePair(): Frame[] {
    const { action, payload } = this.valid(this.r.pick(['StatusNotification', 'Heartbeat', 'DataTransfer', 'Authorize']));
    const id = this.nextId();
    const text = JSON.stringify([2, id, action, payload]);
    const base = this.baseline[action];
    return [
      { kind: `duplicate ${action} (first)`, text, expect: [{ id, accept: [base] }] },
      { kind: `duplicate ${action} (second)`, text, expect: [{ id, accept: [base, 'E:GenericError'] }] },
    ];
  }

  schemaMutation(kind: string): Frame {
    const r = this.r;
    for (let attempt = 0; attempt < 50; attempt++) {
      const { action, payload } = this.valid();
      const sites = sitesOf(action, payload);
      const id = this.nextId();
      const base = this.baseline[action];
      const edge: Answer[] = [base, 'E:PropertyConstraintViolation'];
      const raw: string[] = [];
      const applicable = (pred: (s: Site) => boolean) => sites.filter(pred);
      let expect: Answer[] | null;
      let candidates: Site[];
      let mutate: (s: Site) => void;
      switch (kind) {
        case 'drop-required':
          candidates = applicable((s) => s.required && s.path.length > 0);
          mutate = (s) => setAt(payload, s.path, DROP);
          expect = ['E:OccurenceConstraintViolation'];
          break;
        case 'wrong-type':
          candidates = applicable((s) => s.path.length > 0);
          mutate = (s) => setAt(payload, s.path, wrongTypeValue(r, s.schema.type));
          expect = ['E:TypeConstraintViolation'];
          break;
        case 'bad-enum':
          candidates = applicable((s) => Array.isArray(s.schema.enum));
          mutate = (s) => setAt(payload, s.path, badEnumValue(r, s.schema.enum!));
          expect = ['E:PropertyConstraintViolation'];
          break;
        case 'overlong':
          candidates = applicable((s) => typeof s.schema.maxLength === 'number');
          mutate = (s) => setAt(payload, s.path, randomString(r, s.schema.maxLength! + r.int(1, 40), ['A', 'z', '9', 'é', '🔌']));
          expect = ['E:PropertyConstraintViolation'];
          break;
        case 'bad-format':
          candidates = applicable((s) => s.schema.format === 'date-time');
          mutate = (s) => setAt(payload, s.path, r.pick(['yesterday', '', '2024-13-45T00:00:00Z', '2024-02-30T25:61:00Z', '1717171717', 'T12:00:00Z', '2024-06-01 12:00']));
          expect = ['E:PropertyConstraintViolation'];
          break;
        case 'extra-property':
          candidates = applicable((s) => s.schema.type === 'object');
          mutate = (s) => {
            const target = s.path.length === 0 ? payload : (s.path.reduce((o: any, k) => o[k], payload) as Record<string, unknown>);
            const key = r.pick(['__proto__', 'constructor', 'vendorField', 'connectorID', 'x'.repeat(300), '']);
            Object.defineProperty(target, key, { value: r.pick([1, 'x', null, {}]), enumerable: true, configurable: true, writable: true });
          };
          // J-errata 3.1: additionalProperties false; validator.ts maps it to FormationViolation.
          expect = ['E:FormationViolation'];
          break;
        case 'huge-number': {
          candidates = applicable((s) => s.schema.type === 'integer');
          const valid = r.chance(0.6);
          mutate = (s) => {
            // 1e400 is an integer too, one JSON.parse turns into Infinity.
            raw.push(valid ? r.pick(['1e308', '1e400', '-1e400', '9007199254740993', '-9223372036854775808', '2147483648', '-1', '0', '1E2', '-0']) : r.pick(['1.5', '-0.25', '1e-7', '0.1e1e1']));
            setAt(payload, s.path, RAW);
          };
          // Schema-valid integers the database may not hold: answered, or refused as a
          // property violation, never failing inside as InternalError. Not integers: a type error,
          // except the one that is not even JSON.
          expect = valid ? edge : null;
          break;
        }
        case 'unicode':
          candidates = applicable((s) => s.schema.type === 'string' && !s.schema.enum && !s.schema.format);
          mutate = (s) => {
            // Within maxLength as the schema counts it (code points), so the frame stays valid.
            const room = Math.min(s.schema.maxLength ?? 40, 40);
            setAt(payload, s.path, [...randomString(r, r.int(1, room), UNICODE_EDGES)].slice(0, room).join(''));
          };
          expect = edge;
          break;
        case 'long-free-string':
          candidates = applicable((s) => s.schema.type === 'string' && s.schema.maxLength === undefined && !s.schema.enum && !s.schema.format);
          mutate = (s) => setAt(payload, s.path, 'L'.repeat(r.int(2_000, 8_000)));
          expect = edge;
          break;
        case 'deep-nesting':
          candidates = applicable((s) => s.path.length > 0);
          mutate = (s) => {
            const depth = r.int(200, 3_000);
            raw.push('['.repeat(depth) + ']'.repeat(depth));
            setAt(payload, s.path, RAW);
          };
          expect = ['E:TypeConstraintViolation'];
          break;
        default:
          throw new Error(`unknown mutation ${kind}`);
      }
      if (candidates.length === 0) continue;
      const site = r.pick(candidates);
      mutate(site);
      let text = JSON.stringify([2, id, action, payload]);
      for (const piece of raw) text = text.replace(`"${RAW}"`, piece);
      if (expect === null) {
        // 0.1e1e1 is not JSON at all; the others parse but are no integers.
        expect = raw.includes('0.1e1e1') ? null : ['E:TypeConstraintViolation'];
        if (expect === null) return { kind: `${kind} ${action} /${site.path.join('/')}`, text, expect: [{ id: '-1', accept: ['E:FormationViolation'] }], refusal: true };
      }
      const frame: Frame = { kind: `${kind} ${action} /${site.path.join('/')}`, text, expect: [{ id, accept: expect }] };
      if (expect !== edge) frame.refusal = true;
      return frame;
    }
    return this.validCall();
  }

  truncated(): Frame {
    const { action, payload } = this.valid();
    const text = JSON.stringify([2, this.nextId(), action, payload]);
    // Any proper prefix of a JSON array text lacks its closing bracket: not JSON, no id readable.
    return { kind: `truncated ${action}`, text: text.slice(0, this.r.int(0, text.length - 1)), expect: [{ id: '-1', accept: ['E:FormationViolation'] }], refusal: true };
  }

  randomText(): Frame {
    for (;;) {
      const text = randomString(this.r, this.r.int(1, 200), [...RANDOM_TEXT_CHARS]);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { kind: 'random text', text, expect: [{ id: '-1', accept: ['E:FormationViolation'] }], refusal: true };
      }
      if (!Array.isArray(parsed)) return { kind: 'random JSON', text, expect: [{ id: '-1', accept: ['E:FormationViolation'] }], refusal: true };
    }
  }

  notAnArray(): Frame {
    const text = this.r.pick(['{}', '"[2]"', '42', 'null', 'true', '{"0":2,"1":"x","2":"Heartbeat","3":{}}', ' ', '']);
    return { kind: 'not an array', text, expect: [{ id: '-1', accept: ['E:FormationViolation'] }], refusal: true };
  }

  badMessageType(): Frame {
    const { action, payload } = this.valid();
    const id = this.nextId();
    if (this.r.chance(0.6)) {
      // §4.1.3: an unknown MessageTypeId is ignored; 1.6 has no code to answer it with.
      const type = this.r.pick(['0', '1', '5', '6', '-2', '2.5', '99', '1e3', '3.0000001']);
      return { kind: `message type ${type}`, text: `[${type},${JSON.stringify(id)},${JSON.stringify(action)},${JSON.stringify(payload)}]`, expect: [] };
    }
    const type = this.r.pick(['"2"', 'null', '{}', '[2]', 'true']);
    return {
      kind: `message type ${type}`,
      text: `[${type},${JSON.stringify(id)},${JSON.stringify(action)},${JSON.stringify(payload)}]`,
      expect: [{ id, accept: ['E:FormationViolation'] }],
      refusal: true,
    };
  }

  badMessageId(): Frame {
    const { action, payload } = this.valid();
    const r = this.r;
    const choice = r.int(0, 3);
    if (choice === 0) {
      const raw = r.pick(['7', 'null', '{}', '["a"]', 'true']);
      return { kind: `message id ${raw}`, text: `[2,${raw},"${action}",${JSON.stringify(payload)}]`, expect: [{ id: '-1', accept: ['E:FormationViolation'] }], refusal: true };
    }
    if (choice === 1) return { kind: 'empty message id', text: JSON.stringify([2, '', action, payload]), expect: [{ id: '', accept: ['E:FormationViolation'] }], refusal: true };
    // §4.1.4: at most 36 characters; the id is still echoed.
    const id = `${this.nextId()}-${'x'.repeat(r.int(37, 80))}`;
    return { kind: 'message id over 36 chars', text: JSON.stringify([2, id, action, payload]), expect: [{ id, accept: ['E:FormationViolation'] }], refusal: true };
  }

  badStructure(): Frame {
    const { action, payload } = this.valid();
    const id = this.nextId();
    const r = this.r;
    const formation: Expected[] = [{ id, accept: ['E:FormationViolation'] }];
    switch (r.int(0, 5)) {
      case 0:
        return { kind: 'CALL with 3 elements', text: JSON.stringify([2, id, action]), expect: formation, refusal: true };
      case 1:
        return { kind: 'CALL with 5 elements', text: JSON.stringify([2, id, action, payload, {}]), expect: formation, refusal: true };
      case 2:
        return { kind: 'action not a string', text: JSON.stringify([2, id, r.pick([42, null, {}, ['Heartbeat'], true]), payload]), expect: formation, refusal: true };
      case 3:
        return { kind: 'empty action', text: JSON.stringify([2, id, '', payload]), expect: formation, refusal: true };
      case 4:
        return { kind: 'payload not an object', text: JSON.stringify([2, id, action, r.pick([[], 'x', 7, true, [payload]])]), expect: formation, refusal: true };
      default: {
        // OCPP-J 1.6 §4.1.2: a null payload is an empty one: fine for Heartbeat, missing fields elsewhere.
        const a = r.pick(['Heartbeat', 'StatusNotification']);
        if (a === 'Heartbeat') return { kind: `null payload ${a}`, text: JSON.stringify([2, id, a, null]), expect: [{ id, accept: [this.baseline.Heartbeat] }] };
        return { kind: `null payload ${a}`, text: JSON.stringify([2, id, a, null]), expect: [{ id, accept: ['E:OccurenceConstraintViolation'] }], refusal: true };
      }
    }
  }

  unknownAction(): Frame {
    const id = this.nextId();
    const r = this.r;
    if (r.chance(0.35)) {
      // Known actions that only the Central System sends (§4.2.3: NotSupported).
      const action = r.pick(['Reset', 'RemoteStartTransaction', 'ChangeConfiguration', 'GetConfiguration', 'TriggerMessage', 'SetChargingProfile', 'CertificateSigned']);
      return { kind: `wrong-way ${action}`, text: JSON.stringify([2, id, action, {}]), expect: [{ id, accept: ['E:NotSupported'] }], refusal: true };
    }
    const action = r.pick(['FooBar', 'heartbeat', 'HEARTBEAT', 'Heartbeat.req', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'BootNotification ', 'Start Transaction', '🔌', 'x'.repeat(500), '\u0000']);
    return { kind: 'unknown action', text: JSON.stringify([2, id, action, {}]), expect: [{ id, accept: ['E:NotImplemented'] }], refusal: true };
  }

  responseNoise(): Frame {
    const id = this.nextId();
    // A CALLRESULT or CALLERROR answers nothing of ours, well-formed or not: never answered (§4.2.3).
    const text = this.r.pick([
      JSON.stringify([3, id, {}]),
      JSON.stringify([3, id, { status: 'Accepted' }]),
      JSON.stringify([4, id, 'GenericError', '', {}]),
      JSON.stringify([4, id, 'NotAnErrorCode', 42, []]),
      JSON.stringify([3, id]),
      JSON.stringify([3, id, 'Heartbeat', {}]),
      JSON.stringify([4, id]),
      JSON.stringify([3, 17, {}]),
    ]);
    return { kind: 'stray response', text, expect: [] };
  }
}

// ---- checking the answers ---------------------------------------------------------------

const CODES: ReadonlySet<string> = new Set(ERROR_CODES_16);

/** The answer a frame from the server is, or a description of what is wrong with its shape. */
function classify(frame: unknown[]): Answer | string {
  if (frame[0] === 3) return frame.length === 3 && frame[2] !== null && typeof frame[2] === 'object' && !Array.isArray(frame[2]) ? 'R' : `malformed CALLRESULT ${JSON.stringify(frame).slice(0, 200)}`;
  if (frame[0] === 4) {
    const [, , code, description, details] = frame;
    if (frame.length !== 5 || typeof code !== 'string' || typeof description !== 'string' || details === null || typeof details !== 'object' || Array.isArray(details)) {
      return `malformed CALLERROR ${JSON.stringify(frame).slice(0, 200)}`;
    }
    if (!CODES.has(code)) return `CALLERROR with a code that is not OCPP 1.6: ${code}`;
    return `E:${code}` as Answer;
  }
  return `unexpected frame ${JSON.stringify(frame).slice(0, 200)}`;
}

/**
 * Pairs the answers received for one id with the answers expected for it (a bipartite
 * matching: several frames may share an id, such as "-1" for unreadable frames).
 */
function matches(expected: Answer[][], received: Answer[]): boolean {
  if (expected.length !== received.length) return false;
  const owner = new Array<number>(received.length).fill(-1);
  const tryAssign = (e: number, seen: boolean[]): boolean => {
    for (let i = 0; i < received.length; i++) {
      if (seen[i] || !expected[e].includes(received[i])) continue;
      seen[i] = true;
      if (owner[i] === -1 || tryAssign(owner[i], seen)) {
        owner[i] = e;
        return true;
      }
    }
    return false;
  };
  return expected.every((_, e) => tryAssign(e, new Array<boolean>(received.length).fill(false)));
}

/** The promise's value, or null once ms passed (without keeping the process alive afterwards). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<null>((resolve) => (timer = setTimeout(resolve, ms, null)))]);
  } finally {
    clearTimeout(timer);
  }
}

const clip = (text: string, n = 160) => (text.length > n ? `${text.slice(0, n)}… (${text.length} chars)` : text);

/**
 * Sends the frames back to back, then a Heartbeat probe. The server answers refusals at once
 * and CALLs in arrival order, so when the probe's answer arrives every earlier frame has had
 * its answer: what came back must be exactly what the frames expect.
 */
async function sendBatch(cp: SimulatedCharger, frames: Frame[], probeId: string, problems: string[], label: string): Promise<boolean> {
  const answers: unknown[][] = [];
  const ws = cp.ws!;
  let probeDone!: () => void;
  const probe = new Promise<void>((resolve) => (probeDone = resolve));
  const onMessage = (data: RawData, isBinary: boolean) => {
    if (isBinary) return;
    const frame = JSON.parse(data.toString()) as unknown[];
    if (frame[0] === 2) return; // a command to the charger; the simulator answers it
    if (frame[1] === probeId) probeDone();
    else answers.push(frame);
  };
  ws.on('message', onMessage);
  try {
    for (const f of frames) cp.sendRaw(f.text);
    cp.sendRaw(JSON.stringify([2, probeId, 'Heartbeat', {}]));
    const answered = await within(probe.then(() => true), 20_000);
    if (!answered) {
      problems.push(`${label}: no answer to the probe after ${frames.length} frames (connection ${ws.readyState === ws.OPEN ? 'open' : 'closed'})`);
      return false;
    }
  } finally {
    ws.off('message', onMessage);
  }

  const expectedById = new Map<string, Array<{ accept: Answer[]; frame: Frame }>>();
  for (const f of frames) {
    for (const e of f.expect) {
      let list = expectedById.get(e.id);
      if (!list) expectedById.set(e.id, (list = []));
      list.push({ accept: e.accept, frame: f });
    }
  }
  const receivedById = new Map<string, Answer[]>();
  for (const a of answers) {
    const kind = classify(a);
    const id = typeof a[1] === 'string' ? a[1] : JSON.stringify(a[1]);
    if (kind !== 'R' && !kind.startsWith('E:')) {
      problems.push(`${label}: ${kind}`);
      continue;
    }
    let list = receivedById.get(id);
    if (!list) receivedById.set(id, (list = []));
    list.push(kind as Answer);
  }
  for (const id of new Set([...expectedById.keys(), ...receivedById.keys()])) {
    const exp = expectedById.get(id) ?? [];
    const got = receivedById.get(id) ?? [];
    if (!matches(
      exp.map((e) => e.accept),
      got,
    )) {
      const what = exp.length > 0 ? exp.map((e) => `${e.frame.kind}: ${clip(e.frame.text)} expects ${e.accept.join('|')}`).join('; ') : 'no frame expects an answer with this id';
      problems.push(`${label}: id ${JSON.stringify(clip(id, 50))} answered [${got.join(', ')}]; ${what}`);
    }
  }
  // Frames that must get no answer at all are checked by the absence of any other id: a
  // stray answer to one of them would show up above under an id no frame expects.
  return true;
}

// ---- the chargers ----------------------------------------------------------------------

async function bootedCharger(app: TestApp, id: string): Promise<SimulatedCharger> {
  const cp = app.charger(id, { callTimeoutMs: 30_000 });
  await cp.connect();
  const boot = await cp.boot();
  assert.equal(boot.status, 'Accepted', `${id} boot`);
  return cp;
}

/** How each action's valid CALL is answered by this server: what a still-valid mutation must get too. */
async function calibrate(app: TestApp): Promise<Baseline> {
  const cp = await bootedCharger(app, 'FUZZ-CALIBRATE');
  const r = rngFrom(SEED ^ 0xca1);
  const baseline: Baseline = {};
  for (const action of ACTIONS) {
    const id = `cal-${action}`;
    const next = cp.nextFrame(10_000);
    cp.sendRaw(JSON.stringify([2, id, action, BASE_PAYLOADS[action](r)]));
    const answer = JSON.parse(await next) as unknown[];
    const kind = classify(answer);
    assert.ok(kind === 'R' || kind === 'E:NotSupported', `${action}: a valid CALL is answered with a CALLRESULT (or NotSupported while unimplemented), got ${JSON.stringify(answer)}`);
    baseline[action] = kind;
  }
  await cp.close();
  return baseline;
}

type Finale = 'oversized' | 'oversized-fragments' | 'binary' | 'not-utf8' | 'none';
const FINALES: Finale[] = ['oversized', 'oversized-fragments', 'binary', 'not-utf8', 'none'];
const FINALE_CLOSE: Record<Exclude<Finale, 'none'>, { code: number; reason: string }> = {
  oversized: { code: 1009, reason: `message larger than ${MAX_FRAME_BYTES} bytes` },
  'oversized-fragments': { code: 1009, reason: `message larger than ${MAX_FRAME_BYTES} bytes` },
  binary: { code: 1003, reason: 'binary frames are not supported: OCPP-J uses text frames' },
  'not-utf8': { code: 1007, reason: 'text frame is not valid UTF-8' },
};

async function noisyCharger(app: TestApp, index: number, baseline: Baseline, problems: string[]): Promise<number> {
  const stationId = `FUZZ-${String(index).padStart(2, '0')}`;
  const r = rngFrom(SEED + index * 7919);
  const factory = new FrameFactory(r, `f${index}`, baseline);
  let cp = await bootedCharger(app, stationId);
  let unexpectedClose: { code: number; reason: string } | null = null;
  const watch = (c: SimulatedCharger) => void c.closed().then((info) => (unexpectedClose ??= info));
  watch(cp);

  let sent = 0;
  let batchNo = 0;
  while (sent < FRAMES_PER_CHARGER) {
    const frames: Frame[] = [];
    while (frames.length < BATCH) {
      if (r.chance(0.03)) frames.push(...factory.duplicatePair());
      else frames.push(factory.make());
    }
    sent += frames.length;
    const ok = await sendBatch(cp, frames, `probe-${index}-${++batchNo}`, problems, stationId);
    if (unexpectedClose) {
      problems.push(`${stationId}: disconnected during the fuzz with ${JSON.stringify(unexpectedClose)}`);
      return sent;
    }
    if (!ok) return sent;
  }
  if (app.gateway.get(stationId) === undefined) problems.push(`${stationId}: not in the gateway registry after the fuzz`);

  // The finale: a frame that must end the connection with its close code (RFC 6455 §7.4.1).
  const finale = FINALES[index % FINALES.length];
  if (finale !== 'none') {
    const closing = cp.closed();
    unexpectedClose = null;
    const ws = cp.ws!;
    if (finale === 'oversized') {
      cp.sendRaw(JSON.stringify([2, factory.nextId(), 'DataTransfer', { vendorId: 'v', data: 'x'.repeat(MAX_FRAME_BYTES + r.int(0, 200_000)) }]));
    } else if (finale === 'oversized-fragments') {
      const big = JSON.stringify([2, factory.nextId(), 'DataTransfer', { vendorId: 'v', data: 'y'.repeat(2 * MAX_FRAME_BYTES) }]);
      for (let i = 0; i < big.length; i += 8192) ws.send(big.slice(i, i + 8192), { fin: i + 8192 >= big.length });
    } else if (finale === 'binary') {
      ws.send(Buffer.from(Array.from({ length: r.int(1, 512) }, () => r.int(0, 255))), { binary: true });
    } else {
      ws.send(Buffer.concat([Buffer.from('[2,"u","Authorize",{"idTag":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}]')]), { binary: false });
    }
    const closed = await within(closing, 10_000);
    if (!closed || closed.code !== FINALE_CLOSE[finale].code || closed.reason !== FINALE_CLOSE[finale].reason) {
      problems.push(`${stationId}: ${finale} frame closed with ${JSON.stringify(closed)}, expected ${JSON.stringify(FINALE_CLOSE[finale])}`);
    }
    // The charger comes back and is served like any other.
    cp = await bootedCharger(app, stationId);
    await sendBatch(cp, [factory.validCall(), factory.make()], `probe-${index}-after`, problems, `${stationId} after reconnecting`);
  }
  await cp.close();
  return sent;
}

interface Session {
  transactionId: number;
  meterStart: number;
  meterStop: number;
}

const SAMPLES_PER_SESSION = 4;

/** An ordinary station: sessions of Preparing, Authorize, Start, Charging, MeterValues, Stop, Available until told to stop. */
async function goodStation(app: TestApp, index: number, keepGoing: () => boolean): Promise<{ stationId: string; sessions: Session[]; closedEarly: boolean }> {
  const stationId = `GOOD-${String(index).padStart(2, '0')}`;
  const idTag = `GOOD-TAG-${index}`;
  await app.ctx.services.authorization.upsertToken({ idTag });
  const cp = await bootedCharger(app, stationId);
  let closingMyself = false;
  let closedEarly = false;
  void cp.closed().then(() => (closedEarly = !closingMyself));
  await cp.status(0, 'Available');
  await cp.status(1, 'Available');
  const sessions: Session[] = [];
  let meter = 10_000 * index;
  while (sessions.length < 2 || keepGoing()) {
    await cp.status(1, 'Preparing');
    assert.equal((await cp.authorize(idTag)).idTagInfo.status, 'Accepted');
    const meterStart = meter;
    const start = await cp.startTransaction(1, idTag, meterStart);
    assert.equal(start.idTagInfo.status, 'Accepted', `${stationId} start`);
    await cp.status(1, 'Charging');
    for (let s = 0; s < SAMPLES_PER_SESSION; s++) {
      meter += 250;
      const res = await cp.call('MeterValues', {
        connectorId: 1,
        transactionId: start.transactionId,
        meterValue: [
          {
            timestamp: iso(),
            sampledValue: [
              { value: String(meter), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
              { value: '7400', measurand: 'Power.Active.Import', unit: 'W', context: 'Sample.Periodic' },
              { value: '32.1', measurand: 'Current.Import', unit: 'A', phase: 'L1', context: 'Sample.Periodic' },
            ],
          },
        ],
      });
      assert.deepEqual(res, {});
    }
    meter += 100;
    assert.deepEqual(await cp.stopTransaction(start.transactionId, meter, { reason: 'Local', idTag }), { idTagInfo: { status: 'Accepted' } });
    await cp.status(1, 'Finishing');
    await cp.status(1, 'Available');
    await cp.heartbeat();
    sessions.push({ transactionId: start.transactionId, meterStart, meterStop: meter });
  }
  closingMyself = true;
  await cp.close();
  return { stationId, sessions, closedEarly };
}

async function assertSessionsStored(app: TestApp, stationId: string, sessions: Session[]): Promise<void> {
  const db = app.ctx.db.kysely;
  const txs = await db.selectFrom('transactions').selectAll().where('station_id', '=', stationId).orderBy('id').execute();
  assert.deepEqual(
    txs.map((t) => [Number(t.id), Number(t.meter_start), Number(t.meter_stop), t.stop_reason]),
    sessions.map((s) => [s.transactionId, s.meterStart, s.meterStop, 'Local']),
    `${stationId}: exactly its own transactions, each stopped as it said`,
  );
  const values = await db.selectFrom('meter_values').select(['transaction_id', 'measurand', 'value']).where('station_id', '=', stationId).execute();
  assert.equal(values.length, sessions.length * SAMPLES_PER_SESSION * 3, `${stationId}: every sampled value stored`);
  for (const s of sessions) {
    const energy = values.filter((v) => Number(v.transaction_id) === s.transactionId && v.measurand === 'Energy.Active.Import.Register').map((v) => Number(v.value));
    assert.equal(energy.length, SAMPLES_PER_SESSION, `${stationId} transaction ${s.transactionId}: its energy samples`);
    assert.equal(Math.max(...energy), s.meterStop - 100);
  }
  const connector = await db.selectFrom('connector_status').select(['status']).where('station_id', '=', stationId).where('connector_id', '=', 1).executeTakeFirst();
  assert.equal(connector?.status, 'Available', `${stationId}: connector 1 ends Available`);
}

test(`fuzz: ${NOISY_CHARGERS} noisy chargers send ${NOISY_CHARGERS * FRAMES_PER_CHARGER}+ mutated frames, each answered per OCPP-J 1.6, while ${GOOD_STATIONS} stations charge undisturbed (seed ${SEED})`, async (t) => {
  const app = await startOpenApp({ ocpp: { maxBadMessagesPerMinute: 1_000_000, maxFrameBytes: MAX_FRAME_BYTES } });
  t.after(() => app.cleanup());
  const baseline = await calibrate(app);

  const problems: string[] = [];
  let fuzzing = true;
  const started = performance.now();
  const good = Promise.all(Array.from({ length: GOOD_STATIONS }, (_, i) => goodStation(app, i, () => fuzzing)));
  const noisy = Promise.all(Array.from({ length: NOISY_CHARGERS }, (_, i) => noisyCharger(app, i, baseline, problems))).finally(() => (fuzzing = false));
  const [sentPerCharger, stations] = await Promise.all([noisy, good]);
  const elapsed = performance.now() - started;
  const sent = sentPerCharger.reduce((a, b) => a + b, 0);
  t.diagnostic(`${sent} fuzzed frames in ${Math.round(elapsed)} ms; ${stations.reduce((n, s) => n + s.sessions.length, 0)} good sessions`);

  assert.ok(sent >= NOISY_CHARGERS * FRAMES_PER_CHARGER, `${sent} frames sent`);
  assert.deepEqual(problems.slice(0, 25), [], `${problems.length} frames answered against the spec (seed ${SEED})`);

  // The process is up and serving: HTTP answers, a new charger gets through.
  const health = await app.request('GET', '/health');
  assert.equal(health.status, 200);
  const late = await bootedCharger(app, 'FUZZ-LATE');
  assert.match((await late.heartbeat()).currentTime, /Z$/);

  for (const s of stations) {
    assert.equal(s.closedEarly, false, `${s.stationId} kept its connection`);
    await assertSessionsStored(app, s.stationId, s.sessions);
  }
  await eventually(() => app.gateway.size === 1, 5000, 'only FUZZ-LATE still connected');
});

test('fuzz: the bad-message limit cuts each noisy charger off with 1008 after exactly maxBadMessagesPerMinute refusals; valid frames do not count, a bystander carries on', async (t) => {
  const limit = 30;
  const app = await startOpenApp({ ocpp: { maxBadMessagesPerMinute: limit, maxFrameBytes: MAX_FRAME_BYTES } });
  t.after(() => app.cleanup());
  const baseline = await calibrate(app);
  const problems: string[] = [];

  const noisy = async (index: number) => {
    const stationId = `LIMIT-${index}`;
    const r = rngFrom(SEED + 104_729 * (index + 1));
    const factory = new FrameFactory(r, `l${index}`, baseline);
    const cp = await bootedCharger(app, stationId);
    const closing = cp.closed();
    let refused = 0;
    let valid = 0;
    // One frame at a time, so the count is exact: every frame whose only right answer is a
    // CALLERROR counts against the limit; valid CALLs (answered normally) do not.
    while (refused <= limit) {
      const frame = r.chance(0.25) ? factory.validCall() : factory.make();
      const expect = frame.expect[0];
      // Only sure refusals and valid CALLs are sent: frames that get no answer, or may be
      // answered either way, would make the count a guess. A valid CALL of an action the
      // server does not implement (NotSupported from its handler) is no bad message either.
      const isValid = frame.kind.startsWith('valid ');
      const refusal = frame.refusal === true;
      if (!refusal && !isValid) continue;
      if (refusal && refused === limit) {
        // One over the limit: the connection is closed instead of answered.
        cp.sendRaw(frame.text);
        refused++;
        break;
      }
      const answer = JSON.parse(await (async () => {
        const next = cp.nextFrame(10_000);
        cp.sendRaw(frame.text);
        return next;
      })()) as unknown[];
      const kind = classify(answer);
      if (!expect.accept.includes(kind as Answer)) problems.push(`${stationId}: ${frame.kind} answered ${kind}, expected ${expect.accept.join('|')}`);
      if (refusal) refused++;
      else valid++;
    }
    const closed = await within(closing, 10_000);
    assert.deepEqual(closed, { code: 1008, reason: `more than ${limit} bad messages per minute` }, `${stationId} after ${refused} refusals and ${valid} valid CALLs`);
    await eventually(() => app.gateway.get(stationId) === undefined, 5000, `${stationId} out of the registry`);
    // The count belongs to the connection: a reconnected charger starts afresh.
    const again = await bootedCharger(app, stationId);
    assert.match((await again.heartbeat()).currentTime, /Z$/);
    await again.close();
    return valid;
  };

  const bystander = await bootedCharger(app, 'LIMIT-BYSTANDER');
  const bystanderClosed = bystander.closed();
  const validCounts = await Promise.all(Array.from({ length: 6 }, (_, i) => noisy(i)));
  assert.deepEqual(problems, []);
  assert.ok(validCounts.some((n) => n > 0), 'valid CALLs were mixed in');
  // Below the limit a charger is only refused, never cut off.
  for (let i = 0; i < limit; i++) {
    const answer = JSON.parse(await (async () => {
      const next = bystander.nextFrame();
      bystander.sendRaw(JSON.stringify([2, `b${i}`, 'FooBar', {}]));
      return next;
    })()) as unknown[];
    assert.deepEqual(answer.slice(0, 3), [4, `b${i}`, 'NotImplemented']);
  }
  assert.match((await bystander.heartbeat()).currentTime, /Z$/);
  assert.equal(app.gateway.get('LIMIT-BYSTANDER')?.isOpen, true);
  await bystander.close();
  assert.equal((await bystanderClosed).code, 1000);
});

test(
  'strings holding U+0000 (valid JSON, valid per schema) are answered, never with InternalError; MeterValues and StopTransaction carrying one are stored',
  async (t) => {
    const app = await startOpenApp();
    t.after(() => app.cleanup());
    await app.ctx.services.authorization.upsertToken({ idTag: 'NUL-TAG' });
    const cp = await bootedCharger(app, 'NUL-CHARS');
    const answerOf = async (action: string, payload: unknown): Promise<Answer | string> => {
      const next = cp.nextFrame(10_000);
      cp.sendRaw(JSON.stringify([2, `nul-${action}`, action, payload]));
      return classify(JSON.parse(await next) as unknown[]);
    };
    const start = await cp.startTransaction(1, 'NUL-TAG', 1000);
    // Frames a handler may refuse as a property violation, but must not fail on.
    const refusable: Array<[string, unknown]> = [
      ['Authorize', { idTag: 'A\u0000B' }],
      ['StatusNotification', { connectorId: 1, errorCode: 'OtherError', status: 'Charging', info: 'in\u0000fo', vendorErrorCode: '\u0000' }],
      ['BootNotification', { chargePointVendor: 'Nul', chargePointModel: 'M\u0000', firmwareVersion: '1.0\u0000' }],
      ['DataTransfer', { vendorId: 'org.nul', data: '\u0000' }],
    ];
    const answers: Record<string, Answer | string> = {};
    for (const [action, payload] of refusable) answers[action] = await answerOf(action, payload);
    // Transaction messages must be answered and kept (OCPP 1.6 §4.10: a refused one is retried, then lost).
    answers.MeterValues = await answerOf('MeterValues', {
      connectorId: 1,
      transactionId: start.transactionId,
      meterValue: [{ timestamp: iso(), sampledValue: [{ value: '12\u000034', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
    });
    answers.StopTransaction = await answerOf('StopTransaction', { transactionId: start.transactionId, meterStop: 2000, timestamp: iso(), idTag: 'NUL-\u0000', reason: 'Local' });
    assert.deepEqual(answers, {
      Authorize: answers.Authorize === 'E:PropertyConstraintViolation' ? answers.Authorize : 'R',
      StatusNotification: answers.StatusNotification === 'E:PropertyConstraintViolation' ? answers.StatusNotification : 'R',
      BootNotification: answers.BootNotification === 'E:PropertyConstraintViolation' ? answers.BootNotification : 'R',
      DataTransfer: 'R',
      MeterValues: 'R',
      StopTransaction: 'R',
    });
    const tx = await app.ctx.services.transactions.details(start.transactionId);
    assert.equal(tx?.meter_stop, 2000, 'the stop is stored');
    const values = await app.ctx.services.transactions.meterValuesOfStation('NUL-CHARS');
    assert.equal(values.length, 1, 'the sample is stored');
  },
);

test(
  'a frame with a raw NUL byte is refused as not JSON and, like every frame, shown in the message log',
  async (t) => {
    const app = await startOpenApp();
    t.after(() => app.cleanup());
    const cp = await bootedCharger(app, 'RAW-NUL');
    // RFC 8259 §7: control characters must be escaped inside strings, so this is not JSON.
    const rawNul = '[2,"raw-nul","Heartbeat",{"x":"a\u0000b"}]';
    const refused = cp.nextFrame(10_000);
    cp.sendRaw(rawNul);
    assert.deepEqual(JSON.parse(await refused), [4, '-1', 'FormationViolation', 'Message is not valid JSON', {}]);
    assert.match((await cp.heartbeat()).currentTime, /Z$/);
    await app.ctx.db.flush();
    const logged = await app.ctx.db.kysely.selectFrom('message_log').select(['frame']).where('station_id', '=', 'RAW-NUL').where('direction', '=', 'in').execute();
    // PostgreSQL text cannot hold U+0000: the log keeps the frame with U+FFFD in its place, on both databases.
    assert.ok(
      logged.some((r) => r.frame === rawNul.replaceAll('\u0000', '\uFFFD')),
      'the frame with a raw NUL is in the message log',
    );
  },
);
