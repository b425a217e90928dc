// Webhooks: subscriptions of a URL to event types (and optionally stations). Each matching bus
// event becomes a stored delivery, sent in the background, signed with the webhook's secret,
// retried with backoff; the secret is kept encrypted under the instance key (src/secretbox.ts),
// and so are the `user:pass@` credentials of a URL: stored apart from the URL, shown masked,
// sent as HTTP Basic auth.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.ts';
import type { PlugboardEvent } from '../../bus/events.ts';
import { SecretBox } from '../../secretbox.ts';
import { ALLOW_HELP, AddressPolicy } from '../../address-policy.ts';
import { eventMatcher, TYPE_PATTERN_HELP, unknownTypePatterns } from '../events/types.ts';
import * as store from './store.ts';
import { DeliveryQueue } from './queue.ts';
import { DeliveryWorker, type DeliveryOptions, type DeliveryTarget } from './worker.ts';

export interface WebhookInput {
  url: string;
  eventTypes: string[];
  stationIds?: string[] | null;
  description?: string | null;
  active?: boolean;
  /** the signing secret; generated when absent */
  secret?: string;
}

export type WebhookPatch = Partial<WebhookInput>;

export interface Webhook {
  id: number;
  /** with any credentials masked as ****:**** */
  url: string;
  hasCredentials: boolean;
  description: string | null;
  eventTypes: string[];
  stationIds: string[] | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export class InvalidWebhookError extends Error {
  readonly code: string;
  constructor(message: string, code = 'invalid_webhook') {
    super(message);
    this.name = 'InvalidWebhookError';
    this.code = code;
  }
}

interface ActiveWebhook extends DeliveryTarget {
  match: (event: PlugboardEvent) => boolean;
}

type Row = NonNullable<Awaited<ReturnType<typeof store.getWebhook>>>;

/** The secret's ciphertext is bound to its webhook: copied to another row, it does not decrypt. */
const secretContext = (id: number) => `webhook:${id}`;
const credentialsContext = (id: number) => `webhook-url:${id}`;

/** How URL credentials are shown; sent back unchanged in a PATCH, it keeps the stored ones. */
export const CREDENTIALS_MASK = '****';

interface Credentials {
  username: string;
  password: string;
}

/** The URL without its `user:pass@`, and the credentials (decoded); `masked`: they were the mask. */
function splitCredentials(url: string): { url: string; credentials: Credentials | null; masked: boolean } {
  const u = new URL(url);
  if (!u.username && !u.password) return { url, credentials: null, masked: false };
  const masked = u.username === CREDENTIALS_MASK && u.password === CREDENTIALS_MASK;
  const credentials = { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  u.username = '';
  u.password = '';
  return { url: u.href, credentials, masked };
}

function maskedUrl(url: string, hasCredentials: boolean): string {
  if (!hasCredentials) return url;
  const u = new URL(url);
  u.username = CREDENTIALS_MASK;
  u.password = CREDENTIALS_MASK;
  return u.href;
}

function toWebhook(r: Row): Webhook {
  return {
    id: Number(r.id),
    url: maskedUrl(r.url, r.url_credentials_encrypted !== null),
    hasCredentials: r.url_credentials_encrypted !== null,
    description: r.description,
    eventTypes: JSON.parse(r.event_types),
    stationIds: r.station_ids === null ? null : JSON.parse(r.station_ids),
    active: Boolean(r.active),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function checkUrl(url: string, policy: AddressPolicy): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidWebhookError(`url ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InvalidWebhookError(`url must be http:// or https://, not ${parsed.protocol}`);
  // The URL parser has already turned numeric tricks (http://2130706433/, http://0x7f.1/) into
  // dotted IPv4; a host name is checked again, once resolved, at every delivery.
  const refused = policy.hostRefusal(parsed.hostname);
  if (refused) throw new InvalidWebhookError(`url host ${parsed.hostname} is a ${refused} address: ${ALLOW_HELP}`, 'webhook_target_not_allowed');
}

function checkEventTypes(types: string[]): void {
  if (types.length === 0) throw new InvalidWebhookError('eventTypes must name at least one event type, or ["*"] for all');
  const bad = unknownTypePatterns(types);
  if (bad.length) throw new InvalidWebhookError(`unknown event type ${bad.join(', ')}: use ${TYPE_PATTERN_HELP}`);
}

/** Finished deliveries are kept this long in the log; pending ones until they finish. */
export const DELIVERY_RETENTION_DAYS = 30;
const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_BATCH = 5000;

export const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

export function createWebhooksService(ctx: AppContext) {
  const { db, log } = ctx;
  const iso = () => ctx.now().toISOString();
  let box: SecretBox | null = null;
  // The key file is read (or created) at the first webhook, not at every start.
  const secretBox = () => (box ??= SecretBox.fromKeyFile(ctx.config.secretKeyFile, (message) => log.warn(message)));

  const policy = new AddressPolicy(ctx.config.webhooks);
  const options: DeliveryOptions = {
    concurrency: 16,
    perWebhook: 4,
    pollMs: 2000,
    retryBaseMs: 15_000,
    retryMaxMs: 3_600_000,
    timeoutMs: ctx.config.webhooks.timeoutSeconds * 1000,
    maxAttempts: ctx.config.webhooks.maxAttempts,
    leaseMs: 30_000,
  };

  /** Active webhooks whose secret opens, by id: what the bus listener matches events against. */
  let active = new Map<number, ActiveWebhook>();
  const worker = new DeliveryWorker({ db, log: log.child({ component: 'webhooks' }), now: ctx.now, targets: () => active, options, policy });
  const queue = new DeliveryQueue({ db, log, flushMs: 20, maxRows: 100_000, onWritten: () => worker.wake() });

  function target(r: Row): ActiveWebhook | null {
    try {
      const secret = secretBox().open(r.secret_encrypted, secretContext(Number(r.id)));
      const credentials = r.url_credentials_encrypted === null ? null : (JSON.parse(secretBox().open(r.url_credentials_encrypted, credentialsContext(Number(r.id)))) as Credentials);
      const hook = toWebhook(r);
      return { id: hook.id, url: r.url, credentials, secret, match: eventMatcher({ types: hook.eventTypes, stationIds: hook.stationIds }) };
    } catch (err) {
      log.error({ err, webhookId: Number(r.id) }, 'webhook secret or URL credentials do not decrypt with the instance key (was the key file replaced?): deliveries paused until a new secret (and URL) is set');
      return null;
    }
  }

  const warnedRefused = new Set<number>();
  async function reload(): Promise<void> {
    const next = new Map<number, ActiveWebhook>();
    for (const r of await store.listWebhooks(db.kysely)) {
      if (!r.active) continue;
      // Stored before internal targets were refused (ADR 0013): kept, but every delivery fails.
      const refused = URL.canParse(r.url) ? policy.hostRefusal(new URL(r.url).hostname) : null;
      if (refused && !warnedRefused.has(Number(r.id))) {
        warnedRefused.add(Number(r.id));
        log.warn({ webhookId: Number(r.id), refused }, `webhook targets a ${refused} address: its deliveries are refused; ${ALLOW_HELP}`);
      }
      const t = target(r);
      if (t) next.set(t.id, t);
    }
    active = next;
    worker.wake();
  }

  /** The bus listener: matching and queueing only, never I/O (the publisher is a charger's handler). */
  function onEvent(event: PlugboardEvent): void {
    if (active.size === 0) return;
    let body: string | null = null;
    let now = '';
    for (const hook of active.values()) {
      if (!hook.match(event)) continue;
      if (body === null) {
        body = JSON.stringify({ id: randomUUID(), type: event.type, createdAt: event.at, data: event });
        now = iso();
      }
      queue.push({
        webhook_id: hook.id,
        event_type: event.type,
        payload: body,
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        last_attempt_at: null,
        response_status: null,
        last_error: null,
        error_class: null,
        created_at: now,
      });
    }
  }
  const unsubscribe = ctx.bus.subscribe(onEvent);
  let pruneTimer: NodeJS.Timeout | undefined;

  const service = {
    reload,

    /**
     * Moves `user:pass@` out of the stored URLs into url_credentials_encrypted (rows from before
     * migration 0012_webhook_hardening); runs at every start, a no-op once done.
     */
    async sealUrlCredentials(): Promise<number> {
      const rows = (await store.listWebhooks(db.kysely)).filter((r) => r.url.includes('@') && URL.canParse(r.url));
      let moved = 0;
      for (const r of rows) {
        const { url, credentials } = splitCredentials(r.url);
        if (!credentials) continue;
        const sealed = secretBox().seal(JSON.stringify(credentials), credentialsContext(Number(r.id)));
        await db.write((trx) => store.updateWebhook(trx, Number(r.id), { url, url_credentials_encrypted: sealed }));
        moved++;
      }
      if (moved) log.info({ webhooks: moved }, 'webhook URL credentials moved out of the stored URLs, encrypted with the instance key');
      return moved;
    },

    async list(): Promise<Webhook[]> {
      return (await store.listWebhooks(db.kysely)).map(toWebhook);
    },

    async get(id: number): Promise<Webhook | undefined> {
      const r = await store.getWebhook(db.kysely, id);
      return r && toWebhook(r);
    },

    /** Creates a webhook; the returned secret is not shown again. */
    async create(input: WebhookInput): Promise<Webhook & { secret: string }> {
      checkUrl(input.url, policy);
      checkEventTypes(input.eventTypes);
      const { url, credentials, masked } = splitCredentials(input.url);
      if (masked) throw new InvalidWebhookError(`url credentials ${CREDENTIALS_MASK}:${CREDENTIALS_MASK} are the mask the API shows: write the real user and password, or none`);
      const secret = input.secret ?? newSecret();
      const b = secretBox();
      const at = iso();
      const id = await db.write(async (trx) => {
        const id = await store.insertWebhook(trx, {
          url,
          url_credentials_encrypted: null,
          description: input.description ?? null,
          event_types: JSON.stringify(input.eventTypes),
          station_ids: input.stationIds?.length ? JSON.stringify(input.stationIds) : null,
          // Sealed with the row id as context, known only after the insert (same transaction).
          secret_encrypted: '',
          active: input.active === false ? 0 : 1,
          created_at: at,
          updated_at: at,
        });
        await store.updateWebhook(trx, id, {
          secret_encrypted: b.seal(secret, secretContext(id)),
          url_credentials_encrypted: credentials ? b.seal(JSON.stringify(credentials), credentialsContext(id)) : null,
        });
        return id;
      });
      await reload();
      return { ...(await service.get(id))!, secret };
    },

    async update(id: number, patch: WebhookPatch): Promise<Webhook | undefined> {
      if (patch.url !== undefined) checkUrl(patch.url, policy);
      if (patch.eventTypes !== undefined) checkEventTypes(patch.eventTypes);
      const sealed = patch.secret === undefined ? undefined : secretBox().seal(patch.secret, secretContext(id));
      // A URL sent back with the mask keeps the stored credentials; other credentials replace
      // them; a URL without any removes them.
      const split = patch.url === undefined ? undefined : splitCredentials(patch.url);
      const urlChange = split === undefined ? {} : split.masked ? { url: split.url } : {
        url: split.url,
        url_credentials_encrypted: split.credentials ? secretBox().seal(JSON.stringify(split.credentials), credentialsContext(id)) : null,
      };
      const n = await db.write((trx) =>
        store.updateWebhook(trx, id, {
          updated_at: iso(),
          ...urlChange,
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.eventTypes !== undefined ? { event_types: JSON.stringify(patch.eventTypes) } : {}),
          ...(patch.stationIds !== undefined ? { station_ids: patch.stationIds?.length ? JSON.stringify(patch.stationIds) : null } : {}),
          ...(patch.active !== undefined ? { active: patch.active ? 1 : 0 } : {}),
          ...(sealed !== undefined ? { secret_encrypted: sealed } : {}),
        }),
      );
      if (n === 0) return undefined;
      await reload();
      return service.get(id);
    },

    /** Deletes the webhook and its delivery log. */
    async remove(id: number): Promise<boolean> {
      const n = await db.write((trx) => store.deleteWebhook(trx, id));
      await reload();
      return n > 0;
    },

    async deliveries(webhookId: number, filter: { status?: store.DeliveryStatus; limit: number; offset: number }) {
      const [items, total] = await Promise.all([store.listDeliveries(db.kysely, webhookId, filter), store.countDeliveries(db.kysely, webhookId, filter.status)]);
      return { items, total };
    },

    /**
     * Sends a `ping` event to the webhook now, active or not, and returns its delivery as
     * recorded (one attempt, no retries). Undefined when the webhook does not exist.
     */
    async ping(id: number) {
      const r = await store.getWebhook(db.kysely, id);
      if (!r) return undefined;
      const t = target(r);
      if (!t) throw new InvalidWebhookError('the webhook\'s secret cannot be decrypted with this instance key: set a new secret first');
      const at = iso();
      const payload = JSON.stringify({ id: randomUUID(), type: 'ping', createdAt: at, data: { webhookId: id, message: 'Plugboard webhook test' } });
      const row = { webhook_id: id, event_type: 'ping', payload, status: 'pending' as const, attempts: 0, next_attempt_at: at, last_attempt_at: null, response_status: null, last_error: null, error_class: null, created_at: at };
      const deliveryId = await db.write((trx) => store.insertDelivery(trx, row));
      await worker.deliverNow({ id: deliveryId, webhook_id: id, event_type: 'ping', payload, attempts: 0, next_attempt_at: at }, t);
      return store.getDelivery(db.kysely, deliveryId);
    },

    /** Tuning of the delivery worker (retry schedule, concurrency, polling); for operators' tooling and tests. */
    configureDelivery(patch: Partial<DeliveryOptions>): void {
      Object.assign(options, patch);
      if (patch.pollMs !== undefined) worker.restartPolling();
    },

    /** rows dropped because the database could not keep up */
    get droppedDeliveries(): number {
      return queue.dropped;
    },

    /** Stores queued deliveries now (normally within a few ms). */
    flush(): Promise<void> {
      return queue.flush();
    },

    /** Deletes finished deliveries older than the retention, in batches so that no statement runs long. */
    async prune(now: Date = ctx.now()): Promise<number> {
      const before = new Date(now.getTime() - DELIVERY_RETENTION_DAYS * 86_400_000).toISOString();
      let total = 0;
      for (;;) {
        const n = await db.write((trx) => store.pruneDeliveries(trx, before, PRUNE_BATCH));
        total += n;
        if (n < PRUNE_BATCH) return total;
      }
    },

    start(): void {
      worker.start();
      const prune = () => void service.prune().catch((err) => log.error({ err }, 'pruning the webhook delivery log failed'));
      prune();
      pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
      pruneTimer.unref();
    },

    async stop(): Promise<void> {
      clearInterval(pruneTimer);
      unsubscribe();
      await worker.stop();
      await queue.flush();
    },
  };
  return service;
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
