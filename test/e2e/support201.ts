// Shared by the OCTT 2.0.1 suites (test/e2e/octt201-*.test.ts): a 2.0.1 station in the OCTT's
// starting state for a case, known to Plugboard as Accepted and connected with `ocpp2.0.1`.
// The suites that test the boot itself (octt201-provisioning) boot their stations instead.
import assert from 'node:assert/strict';
import type { TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';

export const OCPP201 = { protocols: ['ocpp2.0.1'] };

export async function station201(app: TestApp, id: string, handlers: Record<string, (p: any) => unknown> = {}): Promise<SimulatedCharger> {
  const created = await app.request('POST', '/api/v1/stations', { body: { id, registrationStatus: 'Accepted', securityProfile: 0 } });
  assert.equal(created.status, 201, created.text);
  const cp = app.charger(id, { ...OCPP201, handlers });
  await cp.connect();
  assert.equal(cp.protocol, 'ocpp2.0.1');
  return cp;
}
