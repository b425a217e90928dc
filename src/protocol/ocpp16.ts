// Typed message maps for OCPP 1.6 (edition 2 + errata, with the Security Whitepaper messages),
// derived from typed-ocpp's types, which are generated from the OCA JSON schemas. A handler
// that returns a wrong field or a wrong enum value fails to compile.
import type { OCPP16 } from 'typed-ocpp';

/** Calls a Charge Point sends and the Central System answers (OCPP 1.6 §3.3, Security WP §5). */
export interface ChargerToCentral {
  Authorize: { req: OCPP16.AuthorizeRequest; res: OCPP16.AuthorizeResponse };
  BootNotification: { req: OCPP16.BootNotificationRequest; res: OCPP16.BootNotificationResponse };
  DataTransfer: { req: OCPP16.DataTransferRequest; res: OCPP16.DataTransferResponse };
  DiagnosticsStatusNotification: {
    req: OCPP16.DiagnosticsStatusNotificationRequest;
    res: OCPP16.DiagnosticsStatusNotificationResponse;
  };
  FirmwareStatusNotification: {
    req: OCPP16.FirmwareStatusNotificationRequest;
    res: OCPP16.FirmwareStatusNotificationResponse;
  };
  Heartbeat: { req: OCPP16.HeartbeatRequest; res: OCPP16.HeartbeatResponse };
  MeterValues: { req: OCPP16.MeterValuesRequest; res: OCPP16.MeterValuesResponse };
  StartTransaction: { req: OCPP16.StartTransactionRequest; res: OCPP16.StartTransactionResponse };
  StatusNotification: { req: OCPP16.StatusNotificationRequest; res: OCPP16.StatusNotificationResponse };
  StopTransaction: { req: OCPP16.StopTransactionRequest; res: OCPP16.StopTransactionResponse };
  // Security Whitepaper
  LogStatusNotification: { req: OCPP16.LogStatusNotificationRequest; res: OCPP16.LogStatusNotificationResponse };
  SecurityEventNotification: {
    req: OCPP16.SecurityEventNotificationRequest;
    res: OCPP16.SecurityEventNotificationResponse;
  };
  SignCertificate: { req: OCPP16.SignCertificateRequest; res: OCPP16.SignCertificateResponse };
  SignedFirmwareStatusNotification: {
    req: OCPP16.SignedFirmwareStatusNotificationRequest;
    res: OCPP16.SignedFirmwareStatusNotificationResponse;
  };
}

/** Calls the Central System sends and a Charge Point answers. */
export interface CentralToCharger {
  // Core
  ChangeAvailability: { req: OCPP16.ChangeAvailabilityRequest; res: OCPP16.ChangeAvailabilityResponse };
  ChangeConfiguration: { req: OCPP16.ChangeConfigurationRequest; res: OCPP16.ChangeConfigurationResponse };
  ClearCache: { req: OCPP16.ClearCacheRequest; res: OCPP16.ClearCacheResponse };
  DataTransfer: { req: OCPP16.DataTransferRequest; res: OCPP16.DataTransferResponse };
  GetConfiguration: { req: OCPP16.GetConfigurationRequest; res: OCPP16.GetConfigurationResponse };
  RemoteStartTransaction: {
    req: OCPP16.RemoteStartTransactionRequest;
    res: OCPP16.RemoteStartTransactionResponse;
  };
  RemoteStopTransaction: { req: OCPP16.RemoteStopTransactionRequest; res: OCPP16.RemoteStopTransactionResponse };
  Reset: { req: OCPP16.ResetRequest; res: OCPP16.ResetResponse };
  UnlockConnector: { req: OCPP16.UnlockConnectorRequest; res: OCPP16.UnlockConnectorResponse };
  // Firmware Management
  GetDiagnostics: { req: OCPP16.GetDiagnosticsRequest; res: OCPP16.GetDiagnosticsResponse };
  UpdateFirmware: { req: OCPP16.UpdateFirmwareRequest; res: OCPP16.UpdateFirmwareResponse };
  // Local Auth List Management
  GetLocalListVersion: { req: OCPP16.GetLocalListVersionRequest; res: OCPP16.GetLocalListVersionResponse };
  SendLocalList: { req: OCPP16.SendLocalListRequest; res: OCPP16.SendLocalListResponse };
  // Reservation
  CancelReservation: { req: OCPP16.CancelReservationRequest; res: OCPP16.CancelReservationResponse };
  ReserveNow: { req: OCPP16.ReserveNowRequest; res: OCPP16.ReserveNowResponse };
  // Smart Charging
  ClearChargingProfile: { req: OCPP16.ClearChargingProfileRequest; res: OCPP16.ClearChargingProfileResponse };
  GetCompositeSchedule: { req: OCPP16.GetCompositeScheduleRequest; res: OCPP16.GetCompositeScheduleResponse };
  SetChargingProfile: { req: OCPP16.SetChargingProfileRequest; res: OCPP16.SetChargingProfileResponse };
  // Remote Trigger
  TriggerMessage: { req: OCPP16.TriggerMessageRequest; res: OCPP16.TriggerMessageResponse };
  // Security Whitepaper
  CertificateSigned: { req: OCPP16.CertificateSignedRequest; res: OCPP16.CertificateSignedResponse };
  DeleteCertificate: { req: OCPP16.DeleteCertificateRequest; res: OCPP16.DeleteCertificateResponse };
  ExtendedTriggerMessage: {
    req: OCPP16.ExtendedTriggerMessageRequest;
    res: OCPP16.ExtendedTriggerMessageResponse;
  };
  GetInstalledCertificateIds: {
    req: OCPP16.GetInstalledCertificateIdsRequest;
    res: OCPP16.GetInstalledCertificateIdsResponse;
  };
  GetLog: { req: OCPP16.GetLogRequest; res: OCPP16.GetLogResponse };
  InstallCertificate: { req: OCPP16.InstallCertificateRequest; res: OCPP16.InstallCertificateResponse };
  SignedUpdateFirmware: { req: OCPP16.SignedUpdateFirmwareRequest; res: OCPP16.SignedUpdateFirmwareResponse };
}

export type ChargerAction = keyof ChargerToCentral;
export type CentralAction = keyof CentralToCharger;

/** The Central System's handlers, one per action a charger may send. */
export type Ocpp16Handlers<Ctx> = {
  [A in ChargerAction]?: (req: ChargerToCentral[A]['req'], ctx: Ctx) => Promise<ChargerToCentral[A]['res']>;
};

/** A charger's handlers (the simulator's), one per action the Central System may send. */
export type Ocpp16ChargerHandlers<Ctx> = {
  [A in CentralAction]?: (req: CentralToCharger[A]['req'], ctx: Ctx) => Promise<CentralToCharger[A]['res']>;
};
