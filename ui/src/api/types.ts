// Shapes of the API's answers the dashboard reads (see /api/v1/openapi.json).

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export type Role = 'admin' | 'read';
export interface Me {
  keyId: number;
  name: string;
  role: Role;
}

export type RegistrationStatus = 'Accepted' | 'Pending' | 'Rejected';

export interface ConnectorStatus {
  connectorId: number;
  status: string;
  errorCode: string;
  info: string | null;
  vendorId: string | null;
  vendorErrorCode: string | null;
  timestamp: string | null;
  updatedAt: string;
}

export interface Station {
  id: string;
  registrationStatus: RegistrationStatus;
  securityProfile: number | null;
  effectiveSecurityProfile: number;
  hasPassword: boolean;
  connected: boolean;
  vendor: string | null;
  model: string | null;
  chargePointSerialNumber: string | null;
  chargeBoxSerialNumber: string | null;
  firmwareVersion: string | null;
  iccid: string | null;
  imsi: string | null;
  meterType: string | null;
  meterSerialNumber: string | null;
  ocppProtocol: string | null;
  lastBootAt: string | null;
  lastSeenAt: string | null;
  lastConnectedAt: string | null;
  lastDisconnectedAt: string | null;
  createdAt: string;
  updatedAt: string;
  connectors: ConnectorStatus[];
}

export interface UnknownStation {
  id: string;
  firstSeenAt: string;
  lastSeenAt: string;
  lastRemoteAddress: string | null;
  attempts: number;
}

export interface StatusHistoryEntry {
  id: number;
  connectorId: number;
  status: string;
  errorCode: string;
  info: string | null;
  vendorId: string | null;
  vendorErrorCode: string | null;
  timestamp: string | null;
  receivedAt: string;
}

export interface Transaction {
  id: number;
  stationId: string;
  connectorId: number;
  idTag: string;
  startIdTagStatus: string;
  reservationId: number | null;
  meterStartWh: number;
  startTimestamp: string;
  meterStopWh: number | null;
  stopTimestamp: string | null;
  stopReason: string | null;
  stopIdTag: string | null;
  active: boolean;
  energyWh: number | null;
  meterAnomaly: boolean;
  durationSeconds: number;
}

export interface MeterValue {
  id: number;
  connectorId: number;
  timestamp: string;
  value: string;
  measurand: string;
  phase: string | null;
  unit: string;
  context: string;
  location: string;
  format: string;
  source: string;
  receivedAt: string;
}

export interface TransactionDetail extends Transaction {
  meterValues: MeterValue[];
}

export interface ReportRow {
  transactionId: number;
  stationId: string;
  connectorId: number;
  idTag: string;
  startTimestamp: string;
  stopTimestamp: string | null;
  energyKWh: string | null;
  durationSeconds: number | null;
  stopReason: string | null;
}

export type TokenStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid';
export interface Token {
  idTag: string;
  parentIdTag: string | null;
  status: TokenStatus;
  expiryDate: string | null;
  allowConcurrent: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface UnknownToken {
  idTag: string;
  firstSeenAt: string;
  lastSeenAt: string;
  lastStationId: string;
  count: number;
}

export interface ImportResult {
  rows: number;
  created: number;
  updated: number;
  failed: number;
  errors: Array<{ line: number; idTag: string | null; message: string }>;
}

export interface LoggedMessage {
  id: number;
  direction: 'in' | 'out';
  messageType: number;
  messageTypeName: string;
  messageId: string | null;
  action: string | null;
  createdAt: string;
  frame: unknown;
  raw?: string;
}

export interface ConfigurationAnswer {
  configurationKey?: Array<{ key: string; readonly: boolean; value?: string }>;
  unknownKey?: string[];
}

export type ReservationStatus = 'Requested' | 'Accepted' | 'Faulted' | 'Occupied' | 'Rejected' | 'Unavailable' | 'Failed' | 'Used' | 'Expired' | 'Cancelled';
export interface Reservation {
  id: number;
  stationId: string;
  connectorId: number;
  idTag: string;
  parentIdTag: string | null;
  expiryDate: string;
  status: ReservationStatus;
  active: boolean;
  transactionId: number | null;
  note: string | null;
  createdAt: string;
  updatedAt: string;
  endedAt: string | null;
}

export interface FirmwareFile {
  id: number;
  name: string;
  version: string | null;
  filename: string;
  sizeBytes: number;
  sha256: string;
  downloadUrl: string;
  createdAt: string;
}

export interface FirmwareUpdate {
  id: number;
  stationId: string;
  firmwareId: number | null;
  campaignId: number | null;
  location: string;
  retrieveDate: string;
  commandStatus: 'sending' | 'accepted' | 'error';
  error: string | null;
  firmwareStatus: string | null;
  firmwareStatusAt: string | null;
  firmwareVersionBefore: string | null;
  firmwareVersionAfter: string | null;
  requestedAt: string;
}

export interface StatusTimelineEntry {
  id: number;
  status: string;
  receivedAt: string;
}

export interface FirmwareStatus {
  stationId: string;
  firmwareVersion: string | null;
  latestUpdate: FirmwareUpdate | null;
  updates: FirmwareUpdate[];
  timeline: StatusTimelineEntry[];
}

export interface DiagnosticsRequest {
  id: number;
  stationId: string;
  location: string;
  ownReceiver: boolean;
  commandStatus: 'sending' | 'accepted' | 'error';
  error: string | null;
  fileName: string | null;
  diagnosticsStatus: string | null;
  diagnosticsStatusAt: string | null;
  requestedAt: string;
}

export interface DiagnosticsStatus {
  stationId: string;
  latestRequest: DiagnosticsRequest | null;
  requests: DiagnosticsRequest[];
  timeline: StatusTimelineEntry[];
}

export interface DiagnosticsFile {
  id: number;
  stationId: string;
  requestId: number;
  filename: string;
  sizeBytes: number;
  uploadedAt: string;
}

export interface FirmwareCampaign {
  id: number;
  firmwareId: number;
  status: 'running' | 'completed' | 'stopped' | 'cancelled';
  waveSize: number;
  currentWave: number;
  stopReason: string | null;
  createdAt: string;
  finishedAt: string | null;
  counts: { total: number; pending: number; updating: number; installed: number; failed: number; timed_out: number; skipped: number; cancelled: number };
}

export type LocalListScope = { kind: 'all' } | { kind: 'parents'; parentIdTags: string[] } | { kind: 'idTags'; idTags: string[] } | { kind: 'none' };
export interface LocalListSettings {
  scope: LocalListScope;
  autoSync: boolean;
  omitDeletionsInDifferential: boolean;
  localAuthListMaxLength: number | null;
  sendLocalListMaxLength: number | null;
}
export interface LocalListState {
  stationId: string;
  managed: boolean;
  syncState: 'never_synced' | 'in_sync' | 'out_of_sync' | 'failed' | 'not_supported';
  syncing: boolean;
  settings: LocalListSettings;
  supported: boolean | null;
  desired: { count: number; truncated: number; entries: Array<{ idTag: string; idTagInfo?: { status: string; expiryDate?: string; parentIdTag?: string } }> };
  station: { acknowledgedVersion: number; acknowledgedAt: string | null; entryCount: number };
}

export type ChargingProfilePurpose = 'ChargePointMaxProfile' | 'TxDefaultProfile' | 'TxProfile';
export interface ChargingSchedulePeriod {
  startPeriod: number;
  limit: number;
  numberPhases?: number;
}
export interface CsChargingProfile {
  chargingProfileId: number;
  transactionId?: number;
  stackLevel: number;
  chargingProfilePurpose: ChargingProfilePurpose;
  chargingProfileKind: 'Absolute' | 'Recurring' | 'Relative';
  recurrencyKind?: 'Daily' | 'Weekly';
  validFrom?: string;
  validTo?: string;
  chargingSchedule: { duration?: number; startSchedule?: string; chargingRateUnit: 'A' | 'W'; chargingSchedulePeriod: ChargingSchedulePeriod[]; minChargingRate?: number };
}
export interface InstalledProfile {
  connectorId: number;
  chargingProfileId: number;
  chargingProfilePurpose: ChargingProfilePurpose;
  stackLevel: number;
  chargingProfileKind: string;
  transactionId: number | null;
  validFrom: string | null;
  validTo: string | null;
  source: string;
  installedAt: string;
  profile: CsChargingProfile;
}
export interface ExpectedSchedule {
  connectorId: number;
  scheduleStart: string;
  duration: number;
  chargingRateUnit: 'A' | 'W';
  chargingSchedulePeriod: Array<{ startPeriod: number; limit: number | null; chargingProfileId?: number; chargingProfilePurpose?: ChargingProfilePurpose }>;
  notes: string[];
}

/** An event of GET /events. */
export interface LiveEvent {
  type: string;
  stationId: string;
  at: string;
  connectorId?: number;
  transactionId?: number | null;
  status?: string;
  action?: string;
  [k: string]: unknown;
}
