// One configuration API for both versions (ADR 0014): 1.6 keys (GetConfiguration,
// ChangeConfiguration) and 2.0.1 variables (GetVariables, SetVariables) read and set by name:
// a 1.6 key name, or component[.instance][/evse[.connector]]/variable[.instance] for 2.0.1.
// 2.0.1 requests are split so that none exceeds the station's ItemsPerMessage / BytesPerMessage
// for GetVariables / SetVariables (B06.FR.05), read from its stored device model. capabilities()
// reads list sizes, smart-charging limits, rate units and phases from either version.
import type { AppContext } from '../../context.ts';
import type { OCPP20 } from 'typed-ocpp';
import type { SendOptions } from '../stations/service.ts';
import { parseVariableKey, variableKey } from './keys.ts';

/** What the configuration API reads of the stored device model (service.ts). */
export interface StoredModel {
  storedValue(stationId: string, component: string, variable: string, attribute?: AttributeType, variableInstance?: string, anyEvse?: boolean): Promise<string | null>;
  variables(stationId: string, filter: Record<string, never>, page: { limit: number; offset: number }): Promise<{ items: Array<{ key: string }> }>;
}

type AttributeType = NonNullable<OCPP20.GetVariablesRequest['getVariableData'][number]['attributeType']>;
type StatusInfo = NonNullable<OCPP20.GetVariablesResponse['getVariableResult'][number]['attributeStatusInfo']>;

/** A name that is neither a 1.6 key (for a 1.6 station) nor a 2.0.1 variable name (for a 2.0.1 station): 400. */
export class BadSettingNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadSettingNameError';
  }
}

export interface SettingValue {
  name: string;
  /** the value read; null when the station has none to give (unknown, rejected) */
  value: string | null;
  /** 1.6 readonly; 2.0.1: null (the device model's mutability tells) */
  readonly: boolean | null;
  /** 1.6: Accepted or UnknownKey; 2.0.1: the attributeStatus (Accepted, Rejected, UnknownComponent, UnknownVariable, NotSupportedAttributeType) */
  status: string;
  attributeType?: AttributeType;
  statusInfo?: StatusInfo;
}

export interface SettingChange {
  name: string;
  /** 1.6: Accepted, Rejected, RebootRequired, NotSupported; 2.0.1: the attributeStatus (Accepted, Rejected, UnknownComponent, UnknownVariable, NotSupportedAttributeType, RebootRequired) */
  status: string;
  attributeType?: AttributeType;
  statusInfo?: StatusInfo;
}

export interface Capabilities {
  version: '1.6' | '2.0.1';
  localAuthListMaxLength: number | null;
  sendLocalListMaxLength: number | null;
  smartCharging: { maxStackLevel: number | null; maxPeriods: number | null; maxProfilesInstalled: number | null; rateUnits: Array<'A' | 'W'> | null };
  /** phases the station can charge with (2.0.1 EVSE SupplyPhases / 1.6 ConnectorPhaseRotation count), null: not reported */
  phases: number | null;
  /** the 2.0.1 limits on device model messages (ItemsPerMessage / BytesPerMessage), null on 1.6 or not reported */
  itemsPerMessage: { getVariables: number | null; setVariables: number | null; getReport: number | null };
  bytesPerMessage: { getVariables: number | null; setVariables: number | null; getReport: number | null };
}

const CAPABILITY_KEYS_16 = ['LocalAuthListMaxLength', 'SendLocalListMaxLength', 'ChargeProfileMaxStackLevel', 'ChargingScheduleMaxPeriods', 'MaxChargingProfilesInstalled', 'ChargingScheduleAllowedChargingRateUnit', 'ConnectorPhaseRotation'];

function int(value: string | null | undefined): number | null {
  if (value === undefined || value === null || !/^\s*\d+\s*$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

function rateUnits(value: string | null | undefined): Array<'A' | 'W'> | null {
  if (value === undefined || value === null) return null;
  const units = new Set<'A' | 'W'>();
  for (const w of value.split(',').map((s) => s.trim().toLowerCase())) {
    if (w === 'current' || w === 'a') units.add('A');
    else if (w === 'power' || w === 'w') units.add('W');
  }
  return [...units];
}

/** Splits items into batches of at most `maxItems` and, as JSON, about `maxBytes` (an item alone over it still goes alone). */
export function batches<T>(items: T[], maxItems: number | null, maxBytes: number | null, overhead = 64): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = overhead;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (cur.length > 0 && ((maxItems !== null && cur.length >= maxItems) || (maxBytes !== null && bytes + size > maxBytes))) {
      out.push(cur);
      cur = [];
      bytes = overhead;
    }
    cur.push(item);
    bytes += size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

export function createConfigurationApi(ctx: AppContext, dm: () => StoredModel) {
  const stations = () => ctx.services.stations;

  /** A DeviceDataCtrlr limit: ItemsPerMessage with instance GetVariables, or the flat ItemsPerMessageGetVariables. */
  async function messageLimit(stationId: string, kind: 'ItemsPerMessage' | 'BytesPerMessage', message: 'GetVariables' | 'SetVariables' | 'GetReport'): Promise<number | null> {
    const n = int(await dm().storedValue(stationId, 'DeviceDataCtrlr', kind, 'Actual', message));
    if (n !== null && n > 0) return n;
    const flat = int(await dm().storedValue(stationId, 'DeviceDataCtrlr', `${kind}${message}`));
    return flat !== null && flat > 0 ? flat : null;
  }

  function parse201(name: string) {
    const parsed = parseVariableKey(name);
    if (!parsed) throw new BadSettingNameError(`${name} is not a 2.0.1 variable name: component[.instance][/evse[.connector]]/variable[.instance]`);
    return parsed;
  }

  return {
    /**
     * Reads settings by name. 1.6: GetConfiguration (no names: every key). 2.0.1: GetVariables in batches within the
     * station's ItemsPerMessage/BytesPerMessage (no names: every variable of the stored device model).
     */
    async get(stationId: string, names: string[] | undefined, opts: SendOptions & { attributeType?: AttributeType } = {}): Promise<{ version: '1.6' | '2.0.1'; items: SettingValue[] }> {
      const version = await stations().versionOf(stationId);
      if (version === '1.6') {
        const res = await stations().sendCommand(stationId, 'GetConfiguration', names?.length ? { key: names } : {}, opts);
        const items: SettingValue[] = (res.configurationKey ?? []).map((k) => ({ name: k.key, value: k.value ?? null, readonly: k.readonly, status: 'Accepted' }));
        for (const k of res.unknownKey ?? []) items.push({ name: k, value: null, readonly: null, status: 'UnknownKey' });
        return { version, items };
      }
      let wanted = names ?? [];
      if (wanted.length === 0) {
        const all = await dm().variables(stationId, {}, { limit: 100_000, offset: 0 });
        wanted = all.items.map((v) => v.key);
        if (wanted.length === 0) throw new BadSettingNameError(`no device model is known for ${stationId}: name the variables, or ask for a base report first`);
      }
      const data = wanted.map((n) => ({ ...parse201(n), ...(opts.attributeType ? { attributeType: opts.attributeType } : {}) }));
      const [maxItems, maxBytes] = await Promise.all([messageLimit(stationId, 'ItemsPerMessage', 'GetVariables'), messageLimit(stationId, 'BytesPerMessage', 'GetVariables')]);
      const items: SettingValue[] = [];
      for (const batch of batches(data, maxItems, maxBytes)) {
        const res = await stations().sendCommand201(stationId, 'GetVariables', { getVariableData: batch }, opts);
        for (const r of res.getVariableResult) {
          items.push({
            name: variableKey(r.component, r.variable),
            value: r.attributeValue ?? null,
            readonly: null,
            status: r.attributeStatus,
            attributeType: r.attributeType ?? 'Actual',
            ...(r.attributeStatusInfo ? { statusInfo: r.attributeStatusInfo } : {}),
          });
        }
      }
      return { version, items };
    },

    /** Sets settings by name. 1.6: one ChangeConfiguration per key, in order. 2.0.1: SetVariables in batches. */
    async set(stationId: string, values: Array<{ name: string; value: string; attributeType?: AttributeType }>, opts: SendOptions = {}): Promise<{ version: '1.6' | '2.0.1'; items: SettingChange[] }> {
      const version = await stations().versionOf(stationId);
      if (version === '1.6') {
        const items: SettingChange[] = [];
        for (const v of values) {
          if (v.attributeType && v.attributeType !== 'Actual') throw new BadSettingNameError(`${v.name}: OCPP 1.6 keys have no ${v.attributeType} attribute`);
          const res = await stations().sendCommand(stationId, 'ChangeConfiguration', { key: v.name, value: v.value }, opts);
          items.push({ name: v.name, status: res.status });
        }
        return { version, items };
      }
      const data = values.map((v) => ({ ...parse201(v.name), attributeValue: v.value, ...(v.attributeType ? { attributeType: v.attributeType } : {}) }));
      const [maxItems, maxBytes] = await Promise.all([messageLimit(stationId, 'ItemsPerMessage', 'SetVariables'), messageLimit(stationId, 'BytesPerMessage', 'SetVariables')]);
      const items: SettingChange[] = [];
      for (const batch of batches(data, maxItems, maxBytes)) {
        const res = await stations().sendCommand201(stationId, 'SetVariables', { setVariableData: batch }, opts);
        for (const r of res.setVariableResult) {
          items.push({ name: variableKey(r.component, r.variable), status: r.attributeStatus, attributeType: r.attributeType ?? 'Actual', ...(r.attributeStatusInfo ? { statusInfo: r.attributeStatusInfo } : {}) });
        }
      }
      return { version, items };
    },

    /**
     * What a station can do, from either version: 1.6 asks the charger (GetConfiguration of the capability keys,
     * so it must be online); 2.0.1 reads the stored device model (a base report fills it).
     */
    async capabilities(stationId: string, opts: SendOptions = {}): Promise<Capabilities> {
      const version = await stations().versionOf(stationId);
      const noMessageLimits = { getVariables: null, setVariables: null, getReport: null };
      if (version === '1.6') {
        const res = await stations().sendCommand(stationId, 'GetConfiguration', { key: CAPABILITY_KEYS_16 }, opts);
        const v = (k: string) => res.configurationKey?.find((c) => c.key === k)?.value ?? null;
        const rotation = v('ConnectorPhaseRotation');
        const phases = rotation ? Math.max(0, ...rotation.split(',').map((e) => (/\.(RST|RTS|SRT|STR|TRS|TSR)$/.test(e.trim()) ? 3 : 0))) || null : null;
        return {
          version,
          localAuthListMaxLength: int(v('LocalAuthListMaxLength')),
          sendLocalListMaxLength: int(v('SendLocalListMaxLength')),
          smartCharging: { maxStackLevel: int(v('ChargeProfileMaxStackLevel')), maxPeriods: int(v('ChargingScheduleMaxPeriods')), maxProfilesInstalled: int(v('MaxChargingProfilesInstalled')), rateUnits: rateUnits(v('ChargingScheduleAllowedChargingRateUnit')) },
          phases,
          itemsPerMessage: noMessageLimits,
          bytesPerMessage: noMessageLimits,
        };
      }
      const s = (component: string, variable: string, attr: AttributeType = 'Actual') => dm().storedValue(stationId, component, variable, attr);
      const [entries, itemsSend, stack, periods, profiles, units, supplyPhases] = await Promise.all([
        s('LocalAuthListCtrlr', 'Entries', 'MaxSet'),
        s('LocalAuthListCtrlr', 'ItemsPerMessage'),
        s('SmartChargingCtrlr', 'ProfileStackLevel'),
        s('SmartChargingCtrlr', 'PeriodsPerSchedule'),
        s('SmartChargingCtrlr', 'Entries', 'MaxSet'),
        s('SmartChargingCtrlr', 'RateUnit'),
        dm().storedValue(stationId, 'EVSE', 'SupplyPhases', 'Actual', undefined, true),
      ]);
      const limit = (kind: 'ItemsPerMessage' | 'BytesPerMessage') =>
        Promise.all((['GetVariables', 'SetVariables', 'GetReport'] as const).map((m) => messageLimit(stationId, kind, m))).then(([getVariables, setVariables, getReport]) => ({ getVariables, setVariables, getReport }));
      return {
        version,
        localAuthListMaxLength: int(entries ?? (await s('LocalAuthListCtrlr', 'Entries'))),
        sendLocalListMaxLength: int(itemsSend),
        smartCharging: { maxStackLevel: int(stack), maxPeriods: int(periods), maxProfilesInstalled: int(profiles ?? (await s('SmartChargingCtrlr', 'Entries'))), rateUnits: rateUnits(units) },
        phases: int(supplyPhases),
        itemsPerMessage: await limit('ItemsPerMessage'),
        bytesPerMessage: await limit('BytesPerMessage'),
      };
    },
  };
}

export type ConfigurationApi = ReturnType<typeof createConfigurationApi>;
