// OCPP 2.0.1 for the simulated station: the station keeps thinking in its 1.6 vocabulary
// (connectors, StartTransaction/MeterValues/StopTransaction in its queue, configuration keys),
// and this file says it the 2.0.1 way on the wire: BootNotification with chargingStation,
// StatusNotification per EVSE (EVSE n = connector n, connector 1 within it), TransactionEvent
// Started/Updated/Ended with a seqNo per station (kept across reconnects), MeterValues per
// EVSE, Authorize with an idToken; and answers the CSMS's 2.0.1 commands from a device model
// over the same configuration store.
import { OcppError } from '../protocol/errors.ts';
import type { TxMessage } from './connector.ts';
import type { MeterValue } from './meter.ts';
import type { Station } from './station.ts';
import type { ConnectorStatus, LocalTransaction, StopReason } from './types.ts';

export type SimVersion = '1.6' | '2.0.1';

function after(fn: () => void): void {
  setTimeout(fn, 0);
}

/** 1.6 connector status -> 2.0.1 ConnectorStatusEnumType. */
export function connectorStatus201(status: ConnectorStatus): 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' | 'Faulted' {
  switch (status) {
    case 'Available':
    case 'Reserved':
    case 'Unavailable':
    case 'Faulted':
      return status;
    default:
      return 'Occupied';
  }
}

/** A 1.6 MeterValue as 2.0.1's (numbers, unitOfMeasure). */
export function meterValue201(mv: MeterValue): Record<string, unknown> {
  return {
    timestamp: mv.timestamp,
    sampledValue: mv.sampledValue.map((s) => {
      const v: Record<string, unknown> = { value: Number(s.value) };
      if (s.context) v.context = s.context;
      if (s.measurand) v.measurand = s.measurand;
      if (s.phase) v.phase = s.phase;
      if (s.location) v.location = s.location;
      if (s.unit) v.unitOfMeasure = { unit: s.unit };
      return v;
    }),
  };
}

const energy = (wh: number, context: string, timestamp: string) => ({
  timestamp,
  sampledValue: [{ value: wh, context, measurand: 'Energy.Active.Import.Register', location: 'Outlet', unitOfMeasure: { unit: 'Wh' } }],
});

const STOPPED_REASON: Record<StopReason, string> = {
  EmergencyStop: 'EmergencyStop',
  EVDisconnected: 'EVDisconnected',
  HardReset: 'ImmediateReset',
  SoftReset: 'ImmediateReset',
  Local: 'Local',
  Other: 'Other',
  PowerLoss: 'PowerLoss',
  Reboot: 'Reboot',
  Remote: 'Remote',
  UnlockCommand: 'Other',
  DeAuthorized: 'DeAuthorized',
};

const END_TRIGGER: Record<StopReason, string> = {
  EmergencyStop: 'AbnormalCondition',
  EVDisconnected: 'EVCommunicationLost',
  HardReset: 'ResetCommand',
  SoftReset: 'ResetCommand',
  Local: 'StopAuthorized',
  Other: 'AbnormalCondition',
  PowerLoss: 'AbnormalCondition',
  Reboot: 'ResetCommand',
  Remote: 'RemoteStop',
  UnlockCommand: 'UnlockCommand',
  DeAuthorized: 'Deauthorized',
};

/** Per station: the seqNo counter and the transaction ids it made up. */
export class Tx201State {
  seqNo = 0;
  #n = 0;
  readonly #prefix: string;
  constructor(index: number) {
    this.#prefix = `${Date.now().toString(36)}-${index}`;
  }
  newTransactionId(): string {
    return `${this.#prefix}-${++this.#n}`.slice(-36);
  }
}

/** The queued 1.6 message as the TransactionEvent that goes on the wire; seqNo taken now. */
export function transactionEvent(st: Station, state: Tx201State, m: TxMessage): { action: string; payload: Record<string, unknown> } {
  const tx = m.tx;
  tx.externalId ??= state.newTransactionId();
  const p = m.payload as Record<string, any>;
  const base = { seqNo: state.seqNo++, evse: { id: tx.connectorId, connectorId: 1 } };
  if (m.action === 'StartTransaction') {
    return {
      action: 'TransactionEvent',
      payload: {
        eventType: 'Started',
        timestamp: tx.timestamp,
        triggerReason: tx.remote ? 'RemoteStart' : 'Authorized',
        ...base,
        transactionInfo: { transactionId: tx.externalId, chargingState: 'Charging', ...(tx.remoteStartId !== undefined ? { remoteStartId: tx.remoteStartId } : {}) },
        idToken: { idToken: tx.idTag, type: 'ISO14443' },
        ...(tx.reservationId !== undefined ? { reservationId: tx.reservationId } : {}),
        meterValue: [energy(tx.meterStartWh, 'Transaction.Begin', tx.timestamp)],
      },
    };
  }
  if (m.action === 'MeterValues') {
    const mvs = (p.meterValue as MeterValue[]).map(meterValue201);
    const clock = (p.meterValue as MeterValue[]).some((mv) => mv.sampledValue.some((s) => s.context === 'Sample.Clock'));
    return {
      action: 'TransactionEvent',
      payload: {
        eventType: 'Updated',
        timestamp: (p.meterValue as MeterValue[])[0]?.timestamp ?? new Date().toISOString(),
        triggerReason: clock ? 'MeterValueClock' : 'MeterValuePeriodic',
        ...base,
        transactionInfo: { transactionId: tx.externalId, chargingState: 'Charging' },
        meterValue: mvs,
      },
    };
  }
  const reason = p.reason as StopReason;
  return {
    action: 'TransactionEvent',
    payload: {
      eventType: 'Ended',
      timestamp: p.timestamp,
      triggerReason: END_TRIGGER[reason] ?? 'AbnormalCondition',
      ...base,
      transactionInfo: { transactionId: tx.externalId, chargingState: 'Idle', stoppedReason: STOPPED_REASON[reason] ?? 'Other' },
      ...(p.idTag ? { idToken: { idToken: p.idTag, type: 'ISO14443' } } : {}),
      meterValue: [energy(p.meterStop as number, 'Transaction.End', p.timestamp as string)],
    },
  };
}

const AUTH_STATUS = new Set(['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx']);

/** A 2.0.1 idTokenInfo as the 1.6 idTagInfo the station's logic reads. */
export function idTagInfoOf(info: { status: string; cacheExpiryDateTime?: string } | undefined): { status: any; expiryDate?: string } {
  if (!info) return { status: 'Accepted' };
  return { status: AUTH_STATUS.has(info.status) ? info.status : 'Invalid', ...(info.cacheExpiryDateTime ? { expiryDate: info.cacheExpiryDateTime } : {}) };
}

/**
 * A CALL in the station's 1.6 vocabulary said the 2.0.1 way, and its answer read back.
 * TransactionEvent and anything already 2.0.1 pass through.
 */
export function outgoing201(st: Station, action: string, payload: any): { action: string; payload: unknown; answer?: (res: any) => unknown } {
  switch (action) {
    case 'BootNotification':
      return {
        action,
        payload: {
          chargingStation: { model: payload.chargePointModel, vendorName: payload.chargePointVendor, serialNumber: payload.chargePointSerialNumber, firmwareVersion: payload.firmwareVersion },
          reason: st.bootReason201,
        },
      };
    case 'Authorize':
      return { action, payload: { idToken: { idToken: payload.idTag, type: 'ISO14443' } }, answer: (res) => ({ idTagInfo: idTagInfoOf(res.idTokenInfo) }) };
    case 'MeterValues':
      return { action, payload: { evseId: payload.connectorId, meterValue: (payload.meterValue as MeterValue[]).map(meterValue201) } };
    case 'FirmwareStatusNotification':
      return { action, payload: { status: payload.status === 'Idle' ? 'Installed' : payload.status } };
    default:
      return { action, payload };
  }
}

// ---- device model -----------------------------------------------------------------------

interface VarDef {
  component: string;
  variable: string;
  /** the configuration key it lives in; null: a fixed value */
  key: string | null;
  value?: (st: Station) => string;
  dataType: 'integer' | 'boolean' | 'string' | 'MemberList' | 'SequenceList';
  readonly?: boolean;
}

const VARS: VarDef[] = [
  { component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval', key: 'HeartbeatInterval', dataType: 'integer' },
  { component: 'OCPPCommCtrlr', variable: 'WebSocketPingInterval', key: 'WebSocketPingInterval', dataType: 'integer' },
  { component: 'OCPPCommCtrlr', variable: 'MessageAttempts', key: 'TransactionMessageAttempts', dataType: 'integer' },
  { component: 'OCPPCommCtrlr', variable: 'MessageAttemptInterval', key: 'TransactionMessageRetryInterval', dataType: 'integer' },
  { component: 'SampledDataCtrlr', variable: 'TxUpdatedInterval', key: 'MeterValueSampleInterval', dataType: 'integer' },
  { component: 'SampledDataCtrlr', variable: 'TxUpdatedMeasurands', key: 'MeterValuesSampledData', dataType: 'MemberList' },
  { component: 'SampledDataCtrlr', variable: 'TxEndedMeasurands', key: 'StopTxnSampledData', dataType: 'MemberList' },
  { component: 'AlignedDataCtrlr', variable: 'Interval', key: 'ClockAlignedDataInterval', dataType: 'integer' },
  { component: 'AlignedDataCtrlr', variable: 'Measurands', key: 'MeterValuesAlignedData', dataType: 'MemberList' },
  { component: 'AuthCtrlr', variable: 'AuthorizeRemoteStart', key: 'AuthorizeRemoteTxRequests', dataType: 'boolean' },
  { component: 'AuthCtrlr', variable: 'LocalPreAuthorize', key: 'LocalPreAuthorize', dataType: 'boolean' },
  { component: 'AuthCtrlr', variable: 'LocalAuthorizeOffline', key: 'LocalAuthorizeOffline', dataType: 'boolean' },
  { component: 'AuthCacheCtrlr', variable: 'Enabled', key: 'AuthorizationCacheEnabled', dataType: 'boolean' },
  { component: 'LocalAuthListCtrlr', variable: 'Enabled', key: 'LocalAuthListEnabled', dataType: 'boolean' },
  { component: 'TxCtrlr', variable: 'StopTxOnInvalidId', key: 'StopTransactionOnInvalidId', dataType: 'boolean' },
  { component: 'ChargingStation', variable: 'Model', key: null, value: (st) => st.spec.model, dataType: 'string', readonly: true },
  { component: 'ChargingStation', variable: 'VendorName', key: null, value: (st) => st.spec.vendor, dataType: 'string', readonly: true },
  { component: 'ChargingStation', variable: 'SerialNumber', key: null, value: (st) => st.spec.serialNumber, dataType: 'string', readonly: true },
  { component: 'ChargingStation', variable: 'FirmwareVersion', key: null, value: (st) => st.firmwareVersion, dataType: 'string', readonly: true },
  { component: 'DeviceDataCtrlr', variable: 'ItemsPerMessage', key: null, value: () => '20', dataType: 'integer', readonly: true },
];

const findVar = (component: string, variable: string) => VARS.find((v) => v.component === component && v.variable === variable);

function readVar(st: Station, v: VarDef): string | undefined {
  return v.key === null ? v.value!(st) : st.config.get(v.key);
}

/** The variables a GetBaseReport lists; exported for tests. */
export function deviceModel(st: Station): Array<Record<string, unknown>> {
  return VARS.filter((v) => readVar(st, v) !== undefined).map((v) => ({
    component: { name: v.component },
    variable: { name: v.variable },
    variableAttribute: [{ type: 'Actual', value: readVar(st, v)!.slice(0, 2500), mutability: v.readonly ? 'ReadOnly' : 'ReadWrite' }],
    variableCharacteristics: { dataType: v.dataType, supportsMonitoring: false },
  }));
}

/** NotifyReport, ItemsPerMessage items a part (tbc on all but the last). */
async function sendReport(st: Station, requestId: number): Promise<void> {
  const items = deviceModel(st);
  const per = 5;
  const parts = Math.max(1, Math.ceil(items.length / per));
  for (let i = 0; i < parts; i++) {
    // Sent while Pending too (OCPP 2.0.1 B02: the CSMS may ask for the report before accepting).
    if (!st.connected) return;
    const reportData = items.slice(i * per, (i + 1) * per);
    await st.call('NotifyReport', { requestId, generatedAt: new Date().toISOString(), seqNo: i, tbc: i < parts - 1, ...(reportData.length ? { reportData } : {}) }).catch(() => {});
  }
}

type H = (req: any, st: Station) => Promise<unknown>;

const handlers: Record<string, H> = {
  async GetVariables(req, st) {
    return {
      getVariableResult: req.getVariableData.map((d: any) => {
        const v = findVar(d.component.name, d.variable.name);
        const base = { component: d.component, variable: d.variable, ...(d.attributeType ? { attributeType: d.attributeType } : {}) };
        if (!v || d.component.evse || d.component.instance || d.variable.instance) return { ...base, attributeStatus: v ? 'UnknownComponent' : 'UnknownVariable' };
        if (d.attributeType && d.attributeType !== 'Actual') return { ...base, attributeStatus: 'NotSupportedAttributeType' };
        const value = readVar(st, v);
        return value === undefined ? { ...base, attributeStatus: 'UnknownVariable' } : { ...base, attributeStatus: 'Accepted', attributeValue: value.slice(0, 2500) };
      }),
    };
  },

  async SetVariables(req, st) {
    return {
      setVariableResult: req.setVariableData.map((d: any) => {
        const v = findVar(d.component.name, d.variable.name);
        const base = { component: d.component, variable: d.variable, ...(d.attributeType ? { attributeType: d.attributeType } : {}) };
        if (!v) return { ...base, attributeStatus: 'UnknownVariable' };
        if (d.attributeType && d.attributeType !== 'Actual') return { ...base, attributeStatus: 'NotSupportedAttributeType' };
        if (v.readonly || v.key === null) return { ...base, attributeStatus: 'Rejected' };
        const status = st.config.change(v.key, String(d.attributeValue));
        return { ...base, attributeStatus: status === 'RebootRequired' ? 'RebootRequired' : status === 'Accepted' ? 'Accepted' : 'Rejected' };
      }),
    };
  },

  async GetBaseReport(req, st) {
    if (req.reportBase === 'SummaryInventory') return { status: 'NotSupported' };
    after(() => void sendReport(st, req.requestId));
    return { status: 'Accepted' };
  },

  async RequestStartTransaction(req, st) {
    if (st.registration !== 'Accepted' || !st.canStartSessions()) return { status: 'Rejected' };
    const idTag = String(req.idToken.idToken).slice(0, 20);
    const connector = req.evseId !== undefined ? st.connector(req.evseId) : st.connectors.find((c) => c.acceptsRemoteStart(idTag));
    if (!connector?.acceptsRemoteStart(idTag)) return { status: 'Rejected' };
    after(() => {
      void connector.runSession(idTag, {
        remote: true,
        authorize: st.config.bool('AuthorizeRemoteTxRequests'),
        remoteStartId: req.remoteStartId,
      });
    });
    return { status: 'Accepted' };
  },

  async RequestStopTransaction(req, st) {
    const connector = st.connectors.find((c) => c.tx !== null && c.tx.externalId === req.transactionId);
    if (!connector) return { status: 'Rejected' };
    after(() => connector.endTransaction('Remote'));
    return { status: 'Accepted' };
  },

  async GetTransactionStatus(req, st) {
    const running = req.transactionId ? st.connectors.some((c) => c.tx?.externalId === req.transactionId) : false;
    return { ...(req.transactionId ? { ongoingIndicator: running } : {}), messagesInQueue: st.queuedTxMessages > 0 };
  },

  async Reset(req, st) {
    if (st.rebooting) return { status: 'Rejected' };
    if (req.evseId !== undefined) return { status: 'Rejected' };
    const busy = st.connectors.some((c) => c.tx);
    if (req.type === 'OnIdle' && busy) return { status: 'Scheduled' };
    after(() => void st.reboot(req.type === 'Immediate' ? 'Hard' : 'Soft'));
    return { status: 'Accepted' };
  },

  async ChangeAvailability(req, st) {
    const evseId: number | undefined = req.evse?.id;
    if (evseId !== undefined && (evseId < 0 || evseId > st.spec.connectors)) return { status: 'Rejected' };
    const operative = req.operationalStatus === 'Operative';
    const whole = evseId === undefined || evseId === 0;
    const targets = whole ? st.connectors : [st.connector(evseId)!];
    const scheduled = !operative && targets.some((c) => c.tx !== null);
    after(() => {
      if (whole) st.operative = operative;
      for (const c of targets) c.setOperative(operative);
    });
    return { status: scheduled ? 'Scheduled' : 'Accepted' };
  },

  async UnlockConnector(req, st) {
    const connector = st.connector(req.evseId);
    if (!connector || req.connectorId !== 1) return { status: 'UnknownConnector' };
    if (connector.tx) return { status: 'OngoingAuthorizedTransaction' };
    after(() => connector.unlock());
    return { status: 'Unlocked' };
  },

  async ClearCache(_req, st) {
    st.localAuth.clearCache();
    return { status: 'Accepted' };
  },

  async DataTransfer() {
    return { status: 'UnknownVendorId' };
  },

  async TriggerMessage(req, st) {
    const evseId: number | undefined = req.evse?.id;
    if (evseId !== undefined && (evseId < 0 || evseId > st.spec.connectors)) return { status: 'Rejected' };
    const targets = evseId === undefined || evseId === 0 ? st.connectors : [st.connector(evseId)!];
    switch (req.requestedMessage) {
      case 'BootNotification':
        after(() => st.triggerBoot());
        break;
      case 'Heartbeat':
        after(() => st.send('Heartbeat', {}));
        break;
      case 'StatusNotification':
        after(() => {
          for (const c of targets) st.sendStatus(c.id, c.status);
        });
        break;
      case 'MeterValues':
        after(() => {
          const now = Date.now();
          for (const c of targets) st.send('MeterValues', { connectorId: c.id, meterValue: [c.meterValue(st.config.list('MeterValuesSampledData'), 'Trigger', now)] });
        });
        break;
      case 'TransactionEvent':
        after(() => {
          const now = Date.now();
          for (const c of targets) {
            if (c.tx) st.enqueueTx({ action: 'MeterValues', tx: c.tx, payload: { connectorId: c.id, meterValue: [c.meterValue(st.config.list('MeterValuesSampledData'), 'Trigger', now)] } });
          }
        });
        break;
      default:
        return { status: 'NotImplemented' };
    }
    return { status: 'Accepted' };
  },
};

export function handleCommand201(st: Station, action: string, payload: unknown): Promise<unknown> {
  const handler = handlers[action];
  if (!handler) throw new OcppError('NotSupported', `${action} is not supported by this charging station`);
  return handler(payload, st);
}

export type { LocalTransaction };
