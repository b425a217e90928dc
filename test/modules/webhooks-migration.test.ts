// Migration 0012_webhook_hardening: delivery errors stored before it (which held up to 300
// characters of the receiver's answer, or a redirect's Location) are reduced to the status or an
// error class; down() drops the new columns. Both dialects, with rows in the tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { createMigrator, migrateToLatest, migrations } from '../../src/db/migrations.ts';
import { dbLabel, openTestDb } from '../helpers/db.ts';

test(`[${dbLabel()}] 0012_webhook_hardening: old delivery errors keep only the status or a class`, async (t) => {
  const { db } = await openTestDb(t);
  const k = db.kysely as Kysely<any>;
  const names = Object.keys(migrations).sort();
  const before = names[names.indexOf('0012_webhook_hardening') - 1];
  const down = await (await createMigrator(k)).migrateTo(before);
  assert.equal(down.error, undefined);

  const at = '2026-12-01T10:00:00.000Z';
  await k.insertInto('webhooks').values({ url: 'http://u:p@example.com/h', description: null, event_types: '["*"]', station_ids: null, secret_encrypted: 'x', active: 1, created_at: at, updated_at: at }).execute();
  const delivery = (response_status: number | null, last_error: string | null) => ({
    webhook_id: 1, event_type: 'ping', payload: '{}', status: 'failed', attempts: 1, next_attempt_at: null, last_attempt_at: at, response_status, last_error, created_at: at,
  });
  await k.insertInto('webhook_deliveries').values([
    delivery(200, null),
    delivery(500, 'HTTP 500: password=topsecret in the stack trace'),
    delivery(302, 'HTTP 302: redirect to http://10.0.0.1/admin (not followed)'),
    delivery(null, 'no response within 10 s'),
    delivery(null, 'ECONNREFUSED: connect ECONNREFUSED 10.1.2.3:80'),
    delivery(null, 'getaddrinfo ENOTFOUND internal.corp'),
    delivery(null, 'something odd happened at 10.9.8.7'),
  ]).execute();

  assert.deepEqual(await migrateToLatest(k), names.slice(names.indexOf('0012_webhook_hardening')));
  const rows = await k.selectFrom('webhook_deliveries').select(['response_status', 'error_class', 'last_error']).orderBy('id').execute();
  assert.deepEqual(rows.map((r) => [r.response_status === null ? null : Number(r.response_status), r.error_class, r.last_error]), [
    [200, null, null],
    [500, 'http_status', 'HTTP 500'],
    [302, 'redirect', 'HTTP 302: redirect (not followed)'],
    [null, 'timeout', 'no response within 10 s'],
    [null, 'connection_refused', 'connection refused'],
    [null, 'dns_failed', 'the host name did not resolve (DNS)'],
    [null, 'connection_failed', 'connection failed'],
  ]);
  const hook = await k.selectFrom('webhooks').selectAll().executeTakeFirstOrThrow();
  assert.equal(hook.url_credentials_encrypted, null, 'the credentials are moved by the webhooks module at start, which holds the key');

  const again = await (await createMigrator(k)).migrateTo(before);
  assert.equal(again.error, undefined, 'down() works');
  assert.equal((await k.selectFrom('webhook_deliveries').selectAll().executeTakeFirstOrThrow()).error_class, undefined);
  await migrateToLatest(k);
});
