import type { CentralAction, ChargerAction } from './ocpp16.ts';

// OCPP 1.6 §3.3 (all six feature profiles) plus the Security Whitepaper §5. DataTransfer is
// the one action that travels both ways.
export const CHARGER_TO_CENTRAL_ACTIONS = [
  'Authorize',
  'BootNotification',
  'DataTransfer',
  'DiagnosticsStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'MeterValues',
  'StartTransaction',
  'StatusNotification',
  'StopTransaction',
  'LogStatusNotification',
  'SecurityEventNotification',
  'SignCertificate',
  'SignedFirmwareStatusNotification',
] as const satisfies readonly ChargerAction[];

export const CENTRAL_TO_CHARGER_ACTIONS = [
  'ChangeAvailability',
  'ChangeConfiguration',
  'ClearCache',
  'DataTransfer',
  'GetConfiguration',
  'RemoteStartTransaction',
  'RemoteStopTransaction',
  'Reset',
  'UnlockConnector',
  'GetDiagnostics',
  'UpdateFirmware',
  'GetLocalListVersion',
  'SendLocalList',
  'CancelReservation',
  'ReserveNow',
  'ClearChargingProfile',
  'GetCompositeSchedule',
  'SetChargingProfile',
  'TriggerMessage',
  'CertificateSigned',
  'DeleteCertificate',
  'ExtendedTriggerMessage',
  'GetInstalledCertificateIds',
  'GetLog',
  'InstallCertificate',
  'SignedUpdateFirmware',
] as const satisfies readonly CentralAction[];

// Compile-time proof that the lists name every action of the typed maps, not just some.
type Missing<All, Listed> = Exclude<All, Listed>;
const _allChargerActionsListed: [Missing<ChargerAction, (typeof CHARGER_TO_CENTRAL_ACTIONS)[number]>] extends [never]
  ? true
  : never = true;
const _allCentralActionsListed: [Missing<CentralAction, (typeof CENTRAL_TO_CHARGER_ACTIONS)[number]>] extends [never]
  ? true
  : never = true;
