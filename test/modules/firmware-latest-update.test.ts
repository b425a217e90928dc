// The firmware lookup every BootNotification (and FirmwareStatusNotification) runs: the station's
// latest update that was (or is being) sent, compiled once with a literal LIMIT (issue #4, boot
// storm). On the database DATABASE_URL selects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as store from '../../src/modules/firmware/store.ts';
import { dbLabel, openTestDb } from '../helpers/db.ts';

const label = dbLabel();
const iso = (ms = 0) => new Date(Date.UTC(2025, 0, 1) + ms).toISOString();

function updateRow(stationId: string, commandStatus: 'sending' | 'accepted' | 'error', location: string) {
  return {
    station_id: stationId, firmware_id: null, campaign_id: null, location, retrieve_date: iso(), retries: null, retry_interval: null,
    command_status: commandStatus, error: null, firmware_status: null, firmware_status_at: null,
    firmware_version_before: null, firmware_version_after: null, booted_at: null, requested_at: iso(),
  };
}

test(`[${label}] latestSentUpdate: the station's newest update not ended in error; none for a station without one`, async (t) => {
  const { db } = await openTestDb(t);
  assert.equal(await store.latestSentUpdate(db.kysely, 'FW-A'), undefined);
  const insert = (stationId: string, status: 'sending' | 'accepted' | 'error', location: string) => db.write((trx) => store.insertUpdate(trx, updateRow(stationId, status, location)));
  await insert('FW-A', 'accepted', 'a1');
  const a2 = await insert('FW-A', 'sending', 'a2');
  await insert('FW-B', 'accepted', 'b1');
  await insert('FW-A', 'error', 'a3');
  await insert('FW-C', 'error', 'c1');

  const latest = await store.latestSentUpdate(db.kysely, 'FW-A');
  assert.equal(latest?.location, 'a2', 'the newer update ended in error: it is skipped');
  assert.equal(Number(latest?.id), a2);
  assert.equal(latest?.command_status, 'sending');
  assert.equal((await store.latestSentUpdate(db.kysely, 'FW-B'))?.location, 'b1');
  assert.equal(await store.latestSentUpdate(db.kysely, 'FW-C'), undefined, 'only failed sends');
  // Inside a write too (FirmwareStatusNotification reads it in its transaction).
  assert.equal((await db.write((trx) => store.latestSentUpdate(trx, 'FW-A')))?.location, 'a2');
});
