// A charge point's configuration keys (OCPP 1.6 §9, errata 3.82/3.88/3.89, Security Whitepaper
// §7): the standard keys with sensible defaults, read-only keys refused, values type-checked as
// a real charger would before taking them. The defaults are shared by every station built from
// the same profile; a station holds only the keys changed on it, so 20,000 stations do not
// keep 20,000 copies of fifty strings.

export type ChangeStatus = 'Accepted' | 'Rejected' | 'RebootRequired' | 'NotSupported';

type KeyKind = 'boolean' | 'integer' | 'measurands' | 'phaseRotation' | 'profiles' | 'string';

interface KeyDef {
  kind: KeyKind;
  /** R: read-only; RW; W: write-only (never reported, e.g. AuthorizationKey) */
  access: 'R' | 'RW' | 'W';
  min?: number;
  max?: number;
  /** the key holding the maximum item count of this list */
  maxItemsKey?: string;
}

const rw = (kind: KeyKind, extra: Partial<KeyDef> = {}): KeyDef => ({ kind, access: 'RW', ...extra });
const ro = (kind: KeyKind): KeyDef => ({ kind, access: 'R' });
const seconds = (min = 0): KeyDef => rw('integer', { min, max: 2_147_483_647 });

// S1 §9.1-9.4 and the Security Whitepaper §7. Where the spec leaves "R or RW" to the charger
// (AuthorizeRemoteTxRequests), this one allows changing it.
export const KEY_DEFS: Readonly<Record<string, KeyDef>> = {
  // Core
  AllowOfflineTxForUnknownId: rw('boolean'),
  AuthorizationCacheEnabled: rw('boolean'),
  AuthorizeRemoteTxRequests: rw('boolean'),
  BlinkRepeat: rw('integer', { min: 0, max: 1000 }),
  ClockAlignedDataInterval: seconds(),
  ConnectionTimeOut: seconds(1),
  ConnectorPhaseRotation: rw('phaseRotation', { maxItemsKey: 'ConnectorPhaseRotationMaxLength' }),
  ConnectorPhaseRotationMaxLength: ro('integer'),
  GetConfigurationMaxKeys: ro('integer'),
  HeartbeatInterval: seconds(),
  LightIntensity: rw('integer', { min: 0, max: 100 }),
  LocalAuthorizeOffline: rw('boolean'),
  LocalPreAuthorize: rw('boolean'),
  MaxEnergyOnInvalidId: rw('integer', { min: 0, max: 2_147_483_647 }),
  MessageTimeout: seconds(1),
  MeterValuesAlignedData: rw('measurands', { maxItemsKey: 'MeterValuesAlignedDataMaxLength' }),
  MeterValuesAlignedDataMaxLength: ro('integer'),
  MeterValuesSampledData: rw('measurands', { maxItemsKey: 'MeterValuesSampledDataMaxLength' }),
  MeterValuesSampledDataMaxLength: ro('integer'),
  MeterValueSampleInterval: seconds(),
  MinimumStatusDuration: seconds(),
  NumberOfConnectors: ro('integer'),
  ResetRetries: rw('integer', { min: 0, max: 100 }),
  StopTransactionMaxMeterValues: ro('integer'),
  StopTransactionOnEVSideDisconnect: rw('boolean'),
  StopTransactionOnInvalidId: rw('boolean'),
  StopTxnAlignedData: rw('measurands', { maxItemsKey: 'StopTxnAlignedDataMaxLength' }),
  StopTxnAlignedDataMaxLength: ro('integer'),
  StopTxnSampledData: rw('measurands', { maxItemsKey: 'StopTxnSampledDataMaxLength' }),
  StopTxnSampledDataMaxLength: ro('integer'),
  SupportedFeatureProfiles: ro('profiles'),
  SupportedFeatureProfilesMaxLength: ro('integer'),
  SupportedFileTransferProtocols: ro('string'),
  TransactionMessageAttempts: rw('integer', { min: 1, max: 100 }),
  TransactionMessageRetryInterval: seconds(),
  UnlockConnectorOnEVSideDisconnect: rw('boolean'),
  WebSocketPingInterval: seconds(),
  // Local Auth List Management
  LocalAuthListEnabled: rw('boolean'),
  LocalAuthListMaxLength: ro('integer'),
  SendLocalListMaxLength: ro('integer'),
  // Reservation
  ReserveConnectorZeroSupported: ro('boolean'),
  // Smart Charging
  ChargeProfileMaxStackLevel: ro('integer'),
  ChargingScheduleAllowedChargingRateUnit: ro('string'),
  ChargingScheduleMaxPeriods: ro('integer'),
  ConnectorSwitch3to1PhaseSupported: ro('boolean'),
  MaxChargingProfilesInstalled: ro('integer'),
  // Security Whitepaper §7
  AuthorizationKey: { kind: 'string', access: 'W', min: 16, max: 40 },
  CpoName: rw('string'),
  SecurityProfile: rw('integer', { min: 0, max: 3 }),
};

/** What a station model supports; the defaults become the keys' initial values. */
export interface ConfigProfile {
  readonly defaults: Readonly<Record<string, string>>;
  /** measurands this meter can sample (a key listing any other is Rejected) */
  readonly measurands: ReadonlySet<string>;
}

const PHASE_ROTATION = /^(\d+\.)?(RST|RTS|SRT|STR|TRS|TSR|NotApplicable|Unknown)$/;
const FEATURE_PROFILES = new Set(['Core', 'FirmwareManagement', 'LocalAuthListManagement', 'Reservation', 'SmartCharging', 'RemoteTrigger']);

const csl = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

export class ConfigStore {
  readonly profile: ConfigProfile;
  /** keys changed on this station (null until the first change) */
  #changed: Map<string, string> | null = null;
  /** called after a change was accepted */
  onChange: ((key: string, value: string) => void) | null = null;

  constructor(profile: ConfigProfile) {
    this.profile = profile;
  }

  get(key: string): string | undefined {
    return this.#changed?.get(key) ?? this.profile.defaults[key];
  }

  int(key: string): number {
    return Number(this.get(key) ?? 0);
  }

  bool(key: string): boolean {
    return this.get(key) === 'true';
  }

  list(key: string): string[] {
    return csl(this.get(key) ?? '');
  }

  /** Sets a value the charger itself decides (e.g. HeartbeatInterval from BootNotification). */
  set(key: string, value: string): void {
    if (this.get(key) === value) return;
    (this.#changed ??= new Map()).set(key, value);
  }

  isKnown(key: string): boolean {
    return Object.hasOwn(KEY_DEFS, key) && this.profile.defaults[key] !== undefined;
  }

  /** ChangeConfiguration (OCPP 1.6 §5.3): NotSupported for unknown keys, Rejected for read-only or bad values. */
  change(key: string, rawValue: string): ChangeStatus {
    if (!this.isKnown(key)) return 'NotSupported';
    const def = KEY_DEFS[key];
    if (def.access === 'R') return 'Rejected';
    const value = this.#validate(key, def, rawValue);
    if (value === null) return 'Rejected';
    this.set(key, value);
    this.onChange?.(key, value);
    return 'Accepted';
  }

  /** GetConfiguration (OCPP 1.6 §5.8): every readable key, or the ones asked for plus the unknown ones. */
  report(keys?: readonly string[]): { configurationKey: Array<{ key: string; readonly: boolean; value?: string }>; unknownKey: string[] } {
    const readable = (key: string) => this.isKnown(key) && KEY_DEFS[key].access !== 'W';
    const entry = (key: string) => ({ key, readonly: KEY_DEFS[key].access === 'R', value: this.get(key) ?? '' });
    if (!keys || keys.length === 0) {
      return { configurationKey: Object.keys(this.profile.defaults).filter(readable).map(entry), unknownKey: [] };
    }
    const configurationKey = [];
    const unknownKey = [];
    for (const key of keys) {
      if (readable(key)) configurationKey.push(entry(key));
      else unknownKey.push(key);
    }
    return { configurationKey, unknownKey };
  }

  /** The value to store, normalised, or null to reject it. */
  #validate(key: string, def: KeyDef, raw: string): string | null {
    const value = raw.trim();
    switch (def.kind) {
      case 'boolean': {
        const v = value.toLowerCase();
        return v === 'true' || v === 'false' ? v : null;
      }
      case 'integer': {
        if (!/^[+-]?\d+$/.test(value)) return null;
        const n = Number(value);
        if (!Number.isSafeInteger(n) || n < (def.min ?? 0) || n > (def.max ?? Number.MAX_SAFE_INTEGER)) return null;
        // Security Whitepaper §2: the security profile may only be raised, never lowered.
        if (key === 'SecurityProfile' && n < this.int('SecurityProfile')) return null;
        return String(n);
      }
      case 'measurands': {
        const items = csl(value);
        if (!items.every((m) => this.profile.measurands.has(m))) return null;
        return this.#withinLength(def, items) ? items.join(',') : null;
      }
      case 'phaseRotation': {
        const items = csl(value);
        return items.length > 0 && items.every((p) => PHASE_ROTATION.test(p)) && this.#withinLength(def, items) ? items.join(',') : null;
      }
      case 'profiles':
        return csl(value).every((p) => FEATURE_PROFILES.has(p)) ? value : null;
      case 'string':
        return value.length >= (def.min ?? 0) && value.length <= (def.max ?? 500) ? value : null;
    }
  }

  #withinLength(def: KeyDef, items: string[]): boolean {
    return def.maxItemsKey === undefined || items.length <= this.int(def.maxItemsKey);
  }
}

export interface ConfigProfileInput {
  connectors: number;
  dc: boolean;
  sampleIntervalSeconds: number;
  heartbeatIntervalSeconds: number;
}

const AC_MEASURANDS = ['Energy.Active.Import.Register', 'Power.Active.Import', 'Power.Offered', 'Current.Import', 'Current.Offered', 'Voltage', 'Frequency', 'Temperature'];

export function createConfigProfile(p: ConfigProfileInput): ConfigProfile {
  const measurands = new Set(p.dc ? [...AC_MEASURANDS.filter((m) => m !== 'Frequency'), 'SoC'] : AC_MEASURANDS);
  const rotation = Array.from({ length: p.connectors + 1 }, (_, i) => `${i}.${p.dc ? 'NotApplicable' : 'RST'}`).join(',');
  const defaults: Record<string, string> = {
    AllowOfflineTxForUnknownId: 'false',
    AuthorizationCacheEnabled: 'true',
    AuthorizeRemoteTxRequests: 'false',
    BlinkRepeat: '3',
    ClockAlignedDataInterval: '0',
    ConnectionTimeOut: '60',
    ConnectorPhaseRotation: rotation,
    ConnectorPhaseRotationMaxLength: String(p.connectors + 1),
    GetConfigurationMaxKeys: '100',
    HeartbeatInterval: String(p.heartbeatIntervalSeconds),
    LightIntensity: '80',
    LocalAuthorizeOffline: 'true',
    LocalPreAuthorize: 'false',
    MaxEnergyOnInvalidId: '0',
    MessageTimeout: '30',
    MeterValuesAlignedData: 'Energy.Active.Import.Register',
    MeterValuesAlignedDataMaxLength: '8',
    MeterValuesSampledData: ['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import', 'Voltage', ...(p.dc ? ['SoC'] : [])].join(','),
    MeterValuesSampledDataMaxLength: '8',
    MeterValueSampleInterval: String(p.sampleIntervalSeconds),
    MinimumStatusDuration: '0',
    NumberOfConnectors: String(p.connectors),
    ResetRetries: '3',
    StopTransactionMaxMeterValues: '20',
    StopTransactionOnEVSideDisconnect: 'true',
    StopTransactionOnInvalidId: 'true',
    StopTxnAlignedData: '',
    StopTxnAlignedDataMaxLength: '8',
    StopTxnSampledData: 'Energy.Active.Import.Register',
    StopTxnSampledDataMaxLength: '8',
    SupportedFeatureProfiles: 'Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger',
    SupportedFeatureProfilesMaxLength: '6',
    SupportedFileTransferProtocols: 'HTTP,HTTPS',
    TransactionMessageAttempts: '3',
    TransactionMessageRetryInterval: '10',
    UnlockConnectorOnEVSideDisconnect: 'true',
    WebSocketPingInterval: '0',
    LocalAuthListEnabled: 'true',
    LocalAuthListMaxLength: '1000',
    SendLocalListMaxLength: '100',
    ReserveConnectorZeroSupported: 'false',
    ChargeProfileMaxStackLevel: '8',
    ChargingScheduleAllowedChargingRateUnit: 'Current,Power',
    ChargingScheduleMaxPeriods: '24',
    ConnectorSwitch3to1PhaseSupported: 'false',
    MaxChargingProfilesInstalled: '16',
    AuthorizationKey: '',
    CpoName: '',
    SecurityProfile: '0',
  };
  return { defaults: Object.freeze(defaults), measurands };
}
