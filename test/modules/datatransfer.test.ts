import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp } from '../helpers/app.ts';

test('DataTransfer: a registered vendor extension answers; an unknown vendorId gets UnknownVendorId', async () => {
  const app = await startOpenApp();
  try {
    const seen: Array<{ stationId: string; messageId?: string; data?: string }> = [];
    app.ctx.services.stations.registerVendorExtension('com.acme', async (req, stationId) => {
      seen.push({ stationId, messageId: req.messageId, data: req.data });
      return req.messageId === 'Ping' ? { status: 'Accepted', data: `pong:${req.data}` } : { status: 'UnknownMessageId' };
    });
    const cp = app.charger('CP-DT');
    await cp.connect();
    await cp.boot();
    assert.deepEqual(await cp.call('DataTransfer', { vendorId: 'com.acme', messageId: 'Ping', data: '42' }), { status: 'Accepted', data: 'pong:42' });
    assert.deepEqual(await cp.call('DataTransfer', { vendorId: 'com.acme', messageId: 'Other' }), { status: 'UnknownMessageId' });
    assert.deepEqual(await cp.call('DataTransfer', { vendorId: 'org.unknown' }), { status: 'UnknownVendorId' });
    assert.deepEqual(seen, [
      { stationId: 'CP-DT', messageId: 'Ping', data: '42' },
      { stationId: 'CP-DT', messageId: 'Other', data: undefined },
    ]);
  } finally {
    await app.cleanup();
  }
});
