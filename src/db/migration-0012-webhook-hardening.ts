// Migration: webhook hardening (issue 11, ADR 0013). Valid on SQLite and PostgreSQL alike.
// Never edit it once released; add a new one.
//
// - webhooks.url_credentials_encrypted: the `user:pass@` of a webhook URL, sealed with the
//   instance key (src/secretbox.ts, bound to the webhook's id), so that `url` no longer holds
//   them in plain text. Sealing needs the key file, which a migration does not have: the
//   webhooks module moves the credentials of existing rows out of `url` at start
//   (service.sealUrlCredentials), right after this migration, before any webhook is used.
// - webhook_deliveries.error_class: what went wrong in a word (http_status, timeout,
//   connection_refused, ...). last_error used to hold up to 300 characters of the receiver's
//   answer (or a redirect's Location); the rows stored so far are reduced to the status or a
//   class, in Plugboard's own words.
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('webhooks').addColumn('url_credentials_encrypted', 'text').execute();
    await db.schema.alterTable('webhook_deliveries').addColumn('error_class', 'text').execute();
    await sql`update webhook_deliveries set
      error_class = case
        when response_status between 300 and 399 then 'redirect'
        when response_status is not null then 'http_status'
        when last_error like 'no response within%' then 'timeout'
        when last_error like 'aborted:%' then 'aborted'
        when last_error like '%ECONNREFUSED%' then 'connection_refused'
        when last_error like '%ECONNRESET%' then 'connection_reset'
        when last_error like '%ENOTFOUND%' or last_error like '%EAI_AGAIN%' then 'dns_failed'
        else 'connection_failed' end,
      last_error = case
        when response_status between 300 and 399 then 'HTTP ' || cast(response_status as text) || ': redirect (not followed)'
        when response_status is not null then 'HTTP ' || cast(response_status as text)
        when last_error like 'no response within%' then last_error
        when last_error like 'aborted:%' then 'aborted: Plugboard is stopping'
        when last_error like '%ECONNREFUSED%' then 'connection refused'
        when last_error like '%ECONNRESET%' then 'the receiver closed the connection without an answer'
        when last_error like '%ENOTFOUND%' or last_error like '%EAI_AGAIN%' then 'the host name did not resolve (DNS)'
        else 'connection failed' end
      where last_error is not null`.execute(db);
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('webhook_deliveries').dropColumn('error_class').execute();
    await db.schema.alterTable('webhooks').dropColumn('url_credentials_encrypted').execute();
  },
};
