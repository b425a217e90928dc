// The one redaction of secrets that travel in OCPP frames (issue 11, ADR 0012): a charger's
// password (ChangeConfiguration / GetConfiguration key AuthorizationKey; SetVariables
// BasicAuthPassword in 2.0.1) and any private key material ("-----BEGIN ... PRIVATE KEY-----").
// Certificates are public and pass. Applied before anything is stored or published: the
// message log (every frame), the logs (src/log.ts), bus events (so SSE and webhook deliveries),
// whatever route the secret came by.
//
// `redact(value)` takes a frame's text, free text, or an object (an event, a log line's fields)
// and returns it unchanged (the same reference) when there is nothing to hide, so the common
// case costs one regular-expression test per string.

export const REDACTED = '[redacted]';

/** Configuration keys whose value is a secret (OCPP keys are case-insensitive). */
const SECRET_CONFIG_KEYS = new Set(['authorizationkey']);
/** 2.0.1 variables whose attributeValue is a secret. */
const SECRET_VARIABLES = new Set(['basicauthpassword']);

const PRIVATE_KEY_BLOCK = /-----BEGIN ([A-Z0-9 ]*?)PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*?PRIVATE KEY-----|$)/g;
/** Anything that may hold a secret mentions one of these (cheap test first). */
const SUSPICIOUS = /authorizationkey|basicauthpassword|private key/i;
/** In free text that mentions AuthorizationKey: a JSON "value" member. */
const JSON_VALUE_MEMBER = /("(?:value|attributeValue)"\s*:\s*)"(?:[^"\\]|\\.)*"/g;

// Secrets Plugboard is about to send (a rotation's new password), so that they are hidden
// wherever they show up again, e.g. a charger's CALLERROR that echoes the value. Kept in memory
// only, for a bounded time.
const KNOWN_TTL_MS = 15 * 60_000;
const KNOWN_MAX = 1000;
const known = new Map<string, number>();
/** Escaped as JSON would write it too, so a frame's text is covered. */
let knownPatterns: string[] = [];

/** Hides `secret` wherever redact() sees it in the next 15 minutes (only secrets of 8 characters or more). */
export function rememberSecret(secret: string, now = Date.now()): void {
  if (secret.length < 8) return;
  known.delete(secret);
  known.set(secret, now + KNOWN_TTL_MS);
  while (known.size > KNOWN_MAX) known.delete(known.keys().next().value!);
  rebuildKnown();
}

function rebuildKnown(): void {
  const patterns = new Set<string>();
  for (const s of known.keys()) {
    patterns.add(s);
    patterns.add(JSON.stringify(s).slice(1, -1));
  }
  knownPatterns = [...patterns].sort((a, b) => b.length - a.length);
}

function expireKnown(): void {
  if (known.size === 0) return;
  const now = Date.now();
  let changed = false;
  for (const [s, until] of known) {
    if (until > now) break; // insertion order = expiry order
    known.delete(s);
    changed = true;
  }
  if (changed) rebuildKnown();
}

function needsLook(s: string): boolean {
  if (SUSPICIOUS.test(s)) return true;
  for (const p of knownPatterns) if (s.includes(p)) return true;
  return false;
}

/** Free text: private key blocks, known secrets, and JSON "value" members next to AuthorizationKey. */
function redactText(s: string): string {
  let out = s.replace(PRIVATE_KEY_BLOCK, (_m, kind: string) => `-----BEGIN ${kind}PRIVATE KEY-----${REDACTED}-----END ${kind}PRIVATE KEY-----`);
  for (const p of knownPatterns) if (out.includes(p)) out = out.replaceAll(p, REDACTED);
  if (/authorizationkey|basicauthpassword/i.test(out)) out = out.replace(JSON_VALUE_MEMBER, `$1"${REDACTED}"`);
  return out;
}

function isSecretEntry(o: Record<string, unknown>): 'value' | 'attributeValue' | null {
  if (typeof o.key === 'string' && 'value' in o && SECRET_CONFIG_KEYS.has(o.key.toLowerCase())) return 'value';
  const variable = o.variable as { name?: unknown } | undefined;
  if (variable && typeof variable.name === 'string' && 'attributeValue' in o && SECRET_VARIABLES.has(variable.name.toLowerCase())) return 'attributeValue';
  return null;
}

function walk(v: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof v === 'string') return needsLook(v) ? redactString(v) : v;
  if (v === null || typeof v !== 'object' || depth > 8 || seen.has(v)) return v;
  seen.add(v);
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const r = walk(v[i], depth + 1, seen);
      if (r !== v[i]) (out ??= [...v])[i] = r;
    }
    return out ?? v;
  }
  if (v instanceof Error) {
    const message = walk(v.message, depth + 1, seen) as string;
    const stack = typeof v.stack === 'string' ? (walk(v.stack, depth + 1, seen) as string) : v.stack;
    // Its own fields too (a CALLERROR's description and details, a cause).
    const own = v as unknown as Record<string, unknown>;
    const fields: Record<string, unknown> = {};
    let fieldsChanged = false;
    for (const k of Object.keys(own)) {
      fields[k] = walk(own[k], depth + 1, seen);
      if (fields[k] !== own[k]) fieldsChanged = true;
    }
    if ('cause' in v && !Object.keys(own).includes('cause')) {
      const cause = walk(v.cause, depth + 1, seen);
      if (cause !== v.cause) {
        fields.cause = cause;
        fieldsChanged = true;
      }
    }
    if (message === v.message && stack === v.stack && !fieldsChanged) return v;
    const copy = Object.assign(Object.create(Object.getPrototypeOf(v) as object) as Error, fields);
    Object.defineProperty(copy, 'message', { value: message, enumerable: false, writable: true, configurable: true });
    Object.defineProperty(copy, 'stack', { value: stack, enumerable: false, writable: true, configurable: true });
    return copy;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return v; // Buffers, sockets, class instances: left alone
  const o = v as Record<string, unknown>;
  let out: Record<string, unknown> | null = null;
  const secretField = isSecretEntry(o);
  if (secretField && o[secretField] !== REDACTED && o[secretField] !== undefined) (out ??= { ...o })[secretField] = REDACTED;
  for (const k of Object.keys(o)) {
    if (k === secretField) continue;
    const r = walk(o[k], depth + 1, seen);
    if (r !== o[k]) (out ??= { ...o })[k] = r;
  }
  return out ?? o;
}

/** A string: an OCPP-J frame is redacted structurally (and written again as JSON), other text as text. */
function redactString(s: string): string {
  const t = s.trimStart();
  if (t.startsWith('[') || t.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(s);
    } catch {
      return redactText(s);
    }
    // Every string in it went through the same rules (walk), structure first.
    const r = walk(parsed, 0, new WeakSet());
    return r === parsed ? s : JSON.stringify(r);
  }
  return redactText(s);
}

/**
 * Hides secrets in a frame's text, free text, or a plain object / array (deeply, up to 8
 * levels; class instances other than Error are left alone). Returns the input itself when
 * there is nothing to hide.
 */
export function redact<T>(value: T): T {
  expireKnown();
  return walk(value, 0, new WeakSet()) as T;
}
