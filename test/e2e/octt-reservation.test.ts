// The OCTT 1.6 central-system test cases of the Reservation profile (ocpp-checklist.md §4.2,
// TC_046 to TC_053), replayed against a real Plugboard: SimulatedCharger plays the OCTT's charge
// point, the services play the operator. Each case starts as OCTT prescribes (S8 §1.3): the
// charger Accepted, connectors Available, no transaction and no reservation; each has its own
// station and tokens.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import type { PlugboardEvent } from '../../src/bus/events.ts';
import { acceptedCharger, connectorStatus, startCharging, statusTrail, transactionRow } from './support.ts';

let app: TestApp;
const events: PlugboardEvent[] = [];
before(async () => {
  app = await startOpenApp();
  app.ctx.bus.subscribe((e) => {
    if (e.type === 'reservation.updated') events.push(e);
  });
});
after(() => app.cleanup());

const services = () => app.ctx.services;
const inOneHour = () => new Date(Date.now() + 3_600_000).toISOString();

async function token(idTag: string, parentIdTag?: string): Promise<string> {
  await services().authorization.upsertToken({ idTag, parentIdTag: parentIdTag ?? null });
  return idTag;
}

function reservationEvents(stationId: string) {
  return events.filter((e) => e.stationId === stationId).map((e) => (e.type === 'reservation.updated' ? [e.reservationId, e.status] : []));
}

/** A charger that answers ReserveNow with `status` and remembers the reservations it accepted. */
function reservingCharger(status: 'Accepted' | 'Faulted' | 'Occupied' | 'Rejected' | 'Unavailable' = 'Accepted') {
  const held = new Set<number>();
  return {
    held,
    handlers: {
      ReserveNow: (p: { reservationId: number }) => {
        if (status === 'Accepted') held.add(p.reservationId);
        return { status };
      },
      CancelReservation: (p: { reservationId: number }) => ({ status: held.delete(p.reservationId) ? 'Accepted' : 'Rejected' }),
    },
  };
}

test('TC_046_CSMS Reservation of a Connector – Transaction', async () => {
  const id = 'TC_046';
  const tag = await token('TAG-046');
  const model = reservingCharger();
  const cp = await acceptedCharger(app, id, { handlers: model.handlers });
  const expiryDate = inOneHour();
  const r = await services().reservations.reserve(id, { connectorId: 1, idTag: tag, expiryDate });
  assert.equal(r.status, 'Accepted');
  assert.deepEqual(cp.received, [{ action: 'ReserveNow', payload: { connectorId: 1, expiryDate, idTag: tag, reservationId: Number(r.id) } }]);
  await cp.status(1, 'Reserved');

  // The reserved token arrives: Preparing, Authorize, StartTransaction with the reservationId.
  await cp.status(1, 'Preparing');
  assert.deepEqual(await cp.authorize(tag), { idTagInfo: { status: 'Accepted' } });
  const start = await cp.startTransaction(1, tag, 0, new Date().toISOString(), { reservationId: Number(r.id) });
  assert.equal(start.idTagInfo.status, 'Accepted');
  await cp.status(1, 'Charging');

  const used = await services().reservations.get(Number(r.id));
  assert.equal(used?.status, 'Used');
  assert.equal(used?.transaction_id, start.transactionId);
  assert.equal(used?.note, null, 'the use matched the reservation');
  assert.equal(Number((await transactionRow(app, start.transactionId)).reservation_id), Number(r.id));
  assert.deepEqual(await statusTrail(app, id, 1), ['Available', 'Reserved', 'Preparing', 'Charging']);
  assert.deepEqual(reservationEvents(id), [[Number(r.id), 'Accepted'], [Number(r.id), 'Used']]);
});

test('TC_047_CSMS Reservation of a Connector – Expire', async () => {
  const id = 'TC_047';
  const tag = await token('TAG-047');
  const cp = await acceptedCharger(app, id, { handlers: reservingCharger().handlers });
  const expiryDate = new Date(Date.now() + 3000).toISOString();
  const r = await services().reservations.reserve(id, { connectorId: 1, idTag: tag, expiryDate });
  assert.equal(r.status, 'Accepted');
  assert.equal(cp.received[0].payload.expiryDate, expiryDate, 'expiryDate = now + offset, as given');
  await cp.status(1, 'Reserved');
  const held = await services().reservations.get(Number(r.id));
  // Only meaningful while the expiry date is ahead: on a loaded machine the steps above may take longer.
  if (Date.now() < Date.parse(expiryDate)) assert.equal(held?.status, 'Accepted', 'still held before its expiry date');

  // Plugboard's sweep marks it Expired at expiryDate; the charger frees the connector itself.
  const expired = await eventually(async () => {
    const row = await services().reservations.get(Number(r.id));
    return row?.status === 'Expired' ? row : null;
  }, 10_000, 'the reservation to expire');
  assert.ok(expired.ended_at! >= expiryDate, `ended ${expired.ended_at}, not before ${expiryDate}`);
  await cp.status(1, 'Available');
  assert.deepEqual(await statusTrail(app, id, 1), ['Available', 'Reserved', 'Available']);
  assert.deepEqual(reservationEvents(id), [[Number(r.id), 'Accepted'], [Number(r.id), 'Expired']]);
  assert.deepEqual(cp.received.map((c) => c.action), ['ReserveNow'], 'the charger frees it itself: nothing is sent at expiry');
});

test('TC_048_1_CSMS Reservation – Faulted', async () => {
  const id = 'TC_048_1';
  const tag = await token('TAG-048-1');
  const cp = await acceptedCharger(app, id, { handlers: reservingCharger('Faulted').handlers });
  await cp.status(1, 'Faulted', 'GroundFailure');
  const expiryDate = inOneHour();
  const r = await services().reservations.reserve(id, { connectorId: 1, idTag: tag, expiryDate });
  assert.equal(r.status, 'Faulted');
  assert.ok(r.ended_at, 'a refused reservation is not active');
  // Tool validation: the ReserveNow the charger got, with the reservation's own id.
  assert.deepEqual(cp.received, [{ action: 'ReserveNow', payload: { connectorId: 1, expiryDate, idTag: tag, reservationId: Number(r.id) } }]);
  assert.equal((await connectorStatus(app, id, 1))?.status, 'Faulted', 'the connector is not shown Reserved');
});

test('TC_048_2_CSMS Reservation – Occupied', async () => {
  const id = 'TC_048_2';
  const charging = await token('TAG-048-2-A');
  const other = await token('TAG-048-2-B');
  const cp = await acceptedCharger(app, id, { handlers: reservingCharger('Occupied').handlers });
  await startCharging(cp, charging);
  cp.received.length = 0;
  const expiryDate = inOneHour();
  const r = await services().reservations.reserve(id, { connectorId: 1, idTag: other, expiryDate });
  assert.equal(r.status, 'Occupied');
  assert.ok(r.ended_at);
  // Tool validation: the ReserveNow went to the charger (Plugboard does not answer Occupied itself
  // because it saw the connector Charging); Occupied is the charger's answer.
  assert.deepEqual(cp.received, [{ action: 'ReserveNow', payload: { connectorId: 1, expiryDate, idTag: other, reservationId: Number(r.id) } }]);
  const listed = await services().reservations.listPage({ stationId: id, active: true }, [{ column: 'id', desc: false }], { limit: 10, offset: 0 });
  assert.equal(listed.total, 0, 'no active reservation');
});

test('TC_048_3_CSMS Reservation – Unavailable', async () => {
  const id = 'TC_048_3';
  const tag = await token('TAG-048-3');
  const cp = await acceptedCharger(app, id, {
    handlers: { ...reservingCharger('Unavailable').handlers, ChangeAvailability: () => ({ status: 'Accepted' }) },
  });
  assert.deepEqual(await services().stations.changeAvailability(id, { connectorId: 1, type: 'Inoperative' }), { status: 'Accepted' });
  await cp.status(1, 'Unavailable');
  const r = await services().reservations.reserve(id, { connectorId: 1, idTag: tag, expiryDate: inOneHour() });
  assert.equal(r.status, 'Unavailable');
  assert.deepEqual(cp.received.map((c) => c.action), ['ChangeAvailability', 'ReserveNow']);
  assert.deepEqual(await statusTrail(app, id, 1), ['Available', 'Unavailable']);
});

test('TC_048_4_CSMS Reservation – Rejected', async () => {
  const id = 'TC_048_4';
  const tag = await token('TAG-048-4');
  const cp = await acceptedCharger(app, id, { handlers: reservingCharger('Rejected').handlers });
  const expiryDate = inOneHour();
  const r = await services().reservations.reserve(id, { connectorId: 1, idTag: tag, expiryDate });
  assert.equal(r.status, 'Rejected');
  assert.deepEqual(cp.received, [{ action: 'ReserveNow', payload: { connectorId: 1, expiryDate, idTag: tag, reservationId: Number(r.id) } }]);
  assert.deepEqual(reservationEvents(id), [[Number(r.id), 'Rejected']]);
});

test('TC_049_CSMS Reservation of a Charge Point – Transaction', async () => {
  const id = 'TC_049';
  const tag = await token('TAG-049');
  const cp = await acceptedCharger(app, id, { handlers: reservingCharger().handlers }, 2);
  // ReserveConnectorZeroSupported=true: connectorId 0 reserves whichever connector comes first.
  const r = await services().reservations.reserve(id, { connectorId: 0, idTag: tag, expiryDate: inOneHour() });
  assert.equal(r.status, 'Accepted');
  assert.equal(cp.received[0].payload.connectorId, 0);
  await cp.status(2, 'Preparing');
  assert.equal((await cp.authorize(tag)).idTagInfo.status, 'Accepted');
  const start = await cp.startTransaction(2, tag, 10, new Date().toISOString(), { reservationId: Number(r.id) });
  assert.equal(start.idTagInfo.status, 'Accepted');
  await cp.status(2, 'Charging');
  const used = await services().reservations.get(Number(r.id));
  assert.deepEqual([used?.status, used?.transaction_id, used?.note], ['Used', start.transactionId, null], 'any connector may use a station-wide reservation');
});

test('TC_051_CSMS Cancel Reservation', async () => {
  const id = 'TC_051';
  const tag = await token('TAG-051');
  const model = reservingCharger();
  const cp = await acceptedCharger(app, id, { handlers: model.handlers });
  const r = await services().reservations.reserve(id, { connectorId: 1, idTag: tag, expiryDate: inOneHour() });
  assert.equal(r.status, 'Accepted');
  await cp.status(1, 'Reserved');
  const res = await services().reservations.cancel(Number(r.id));
  assert.equal(res.status, 'Accepted');
  assert.deepEqual(cp.received[1], { action: 'CancelReservation', payload: { reservationId: Number(r.id) } }, 'the same reservationId');
  assert.equal(res.reservation.status, 'Cancelled');
  assert.ok(res.reservation.ended_at);
  await cp.status(1, 'Available');
  assert.deepEqual(await statusTrail(app, id, 1), ['Available', 'Reserved', 'Available']);
  assert.deepEqual(reservationEvents(id), [[Number(r.id), 'Accepted'], [Number(r.id), 'Cancelled']]);
});

test('TC_052_CSMS Cancel Reservation – Rejected', async () => {
  const id = 'TC_052';
  const tag = await token('TAG-052');
  const model = reservingCharger();
  const cp = await acceptedCharger(app, id, { handlers: model.handlers });
  // A reservationId the charger does not hold, sent as the operator would for any id.
  assert.deepEqual(await services().commands.send(id, 'CancelReservation', { reservationId: 987_654 }), { status: 'Rejected' });
  assert.deepEqual(cp.received, [{ action: 'CancelReservation', payload: { reservationId: 987_654 } }]);

  // A reservation Plugboard holds but the charger lost (e.g. after a reboot): Rejected is shown, nothing is invented.
  const r = await services().reservations.reserve(id, { connectorId: 1, idTag: tag, expiryDate: inOneHour() });
  model.held.clear();
  const res = await services().reservations.cancel(Number(r.id));
  assert.equal(res.status, 'Rejected');
  assert.equal(res.reservation.status, 'Accepted', 'the stored status is not changed by a refusal');
  assert.match(res.reservation.note ?? '', /CancelReservation was Rejected by the charger/);
});

test('TC_053_CSMS Use a reserved Connector with parentIdTag', async () => {
  const id = 'TC_053';
  const group = 'GROUP-053';
  const reserved = await token('TAG-053-A', group);
  const member = await token('TAG-053-B', group);
  const cp = await acceptedCharger(app, id, { handlers: reservingCharger().handlers });
  const r = await services().reservations.reserve(id, { connectorId: 1, idTag: reserved, parentIdTag: group, expiryDate: inOneHour() });
  assert.equal(r.status, 'Accepted');
  assert.deepEqual(cp.received[0].payload, { connectorId: 1, expiryDate: r.expiry_date, idTag: reserved, parentIdTag: group, reservationId: Number(r.id) });
  await cp.status(1, 'Reserved');

  // Another token of the group: its idTagInfo carries the reservation's parentIdTag, so the charger lets it in.
  await cp.status(1, 'Preparing');
  assert.deepEqual(await cp.authorize(member), { idTagInfo: { status: 'Accepted', parentIdTag: group } });
  const start = await cp.startTransaction(1, member, 0, new Date().toISOString(), { reservationId: Number(r.id) });
  assert.deepEqual(start.idTagInfo, { status: 'Accepted', parentIdTag: group });
  await cp.status(1, 'Charging');
  const used = await services().reservations.get(Number(r.id));
  assert.deepEqual([used?.status, used?.transaction_id, used?.note], ['Used', start.transactionId, null], 'a group member may use the reservation');
});
