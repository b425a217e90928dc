// Small helpers shared by the end-to-end suites: database reads an operator would make, and a
// charger brought to the OCTT starting state (connected, Accepted, connectors Available).
import type { TestApp } from '../helpers/app.ts';
import type { SimulatedCharger, SimulatorOptions } from '../../src/simulator/charger.ts';

export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export function transactionsOf(app: TestApp, stationId: string) {
  return app.ctx.db.kysely.selectFrom('transactions').selectAll().where('station_id', '=', stationId).orderBy('id').execute();
}

export function transactionRow(app: TestApp, transactionId: number) {
  return app.ctx.db.kysely.selectFrom('transactions').selectAll().where('id', '=', transactionId).executeTakeFirstOrThrow();
}

export function connectorStatus(app: TestApp, stationId: string, connectorId: number) {
  return app.ctx.db.kysely
    .selectFrom('connector_status')
    .selectAll()
    .where('station_id', '=', stationId)
    .where('connector_id', '=', connectorId)
    .executeTakeFirst();
}

/** The statuses a connector went through, oldest first. */
export async function statusTrail(app: TestApp, stationId: string, connectorId: number): Promise<string[]> {
  const rows = await app.ctx.db.kysely
    .selectFrom('status_history')
    .select(['status'])
    .where('station_id', '=', stationId)
    .where('connector_id', '=', connectorId)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.status);
}

/** Connects, boots (asserting Accepted) and reports every connector, connector 0 included, Available. */
export async function acceptedCharger(app: TestApp, stationId: string, opts: Partial<SimulatorOptions> = {}, connectors = 1): Promise<SimulatedCharger> {
  const cp = app.charger(stationId, opts);
  await cp.connect();
  const boot = await cp.boot();
  if (boot.status !== 'Accepted') throw new Error(`${stationId} was not Accepted: ${JSON.stringify(boot)}`);
  for (let c = 0; c <= connectors; c++) await cp.status(c, 'Available');
  return cp;
}

/**
 * The OCTT reusable state "Charging": Preparing, Authorize, StartTransaction, Charging.
 * Returns the transactionId the central system allocated.
 */
export async function startCharging(cp: SimulatedCharger, idTag: string, connectorId = 1, meterStart = 1000): Promise<number> {
  await cp.status(connectorId, 'Preparing');
  const auth = await cp.authorize(idTag);
  if (auth.idTagInfo.status !== 'Accepted') throw new Error(`${idTag} not Accepted: ${JSON.stringify(auth)}`);
  const start = await cp.startTransaction(connectorId, idTag, meterStart);
  if (start.idTagInfo.status !== 'Accepted') throw new Error(`start not Accepted: ${JSON.stringify(start)}`);
  await cp.status(connectorId, 'Charging');
  return start.transactionId;
}

/** Simulates the charger going away without a close handshake (power cut, network loss). */
export async function dropConnection(cp: SimulatedCharger): Promise<void> {
  const done = cp.closed();
  cp.ws?.terminate();
  await done;
}

export interface ConfigKey {
  value: string;
  readonly?: boolean;
}

/**
 * A charger's configuration store, as GetConfiguration / ChangeConfiguration handlers for
 * SimulatedCharger (OCPP 1.6 §5.8, §5.3): unknown keys are NotSupported, read-only keys are
 * Rejected, and `accepts` may refuse a value (Rejected) the way a real charger would.
 */
export function configurationHandlers(keys: Record<string, ConfigKey>, accepts: (key: string, value: string) => boolean = () => true) {
  return {
    GetConfiguration: (p: { key?: string[] }) => {
      const wanted = p.key && p.key.length > 0 ? p.key : Object.keys(keys);
      return {
        configurationKey: wanted.filter((k) => k in keys).map((k) => ({ key: k, readonly: keys[k].readonly === true, value: keys[k].value })),
        unknownKey: wanted.filter((k) => !(k in keys)),
      };
    },
    ChangeConfiguration: (p: { key: string; value: string }) => {
      const entry = keys[p.key];
      if (!entry) return { status: 'NotSupported' };
      if (entry.readonly || !accepts(p.key, p.value)) return { status: 'Rejected' };
      entry.value = p.value;
      return { status: 'Accepted' };
    },
  };
}

/** The keys OCPP 1.6 §9.1 requires of every charger (Core profile), with plausible values. */
export function requiredCoreKeys(): Record<string, ConfigKey> {
  const rw = (value: string): ConfigKey => ({ value });
  const r = (value: string): ConfigKey => ({ value, readonly: true });
  return {
    AuthorizeRemoteTxRequests: rw('true'),
    ClockAlignedDataInterval: rw('0'),
    ConnectionTimeOut: rw('60'),
    ConnectorPhaseRotation: rw('0.RST,1.RST'),
    GetConfigurationMaxKeys: r('50'),
    HeartbeatInterval: rw('300'),
    LocalAuthorizeOffline: rw('true'),
    LocalPreAuthorize: rw('false'),
    MeterValuesAlignedData: rw('Energy.Active.Import.Register'),
    MeterValuesSampledData: rw('Energy.Active.Import.Register,Power.Active.Import'),
    MeterValueSampleInterval: rw('300'),
    NumberOfConnectors: r('1'),
    ResetRetries: rw('3'),
    StopTransactionOnEVSideDisconnect: rw('true'),
    StopTransactionOnInvalidId: rw('true'),
    StopTxnAlignedData: rw(''),
    StopTxnSampledData: rw('Energy.Active.Import.Register'),
    SupportedFeatureProfiles: r('Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger'),
    TransactionMessageAttempts: rw('3'),
    TransactionMessageRetryInterval: rw('60'),
    UnlockConnectorOnEVSideDisconnect: rw('true'),
  };
}
