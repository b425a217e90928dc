// Typed message maps for OCPP 2.0.1, derived from typed-ocpp's types (generated from the OCA
// JSON schemas), like ocpp16.ts for 1.6. A handler returning a wrong field fails to compile.
import type { OCPP20 } from 'typed-ocpp';

/** Calls a Charging Station sends and the CSMS answers (OCPP 2.0.1 Part 2). */
export interface StationToCsms201 {
  Authorize: { req: OCPP20.AuthorizeRequest; res: OCPP20.AuthorizeResponse };
  BootNotification: { req: OCPP20.BootNotificationRequest; res: OCPP20.BootNotificationResponse };
  ClearedChargingLimit: { req: OCPP20.ClearedChargingLimitRequest; res: OCPP20.ClearedChargingLimitResponse };
  DataTransfer: { req: OCPP20.DataTransferRequest; res: OCPP20.DataTransferResponse };
  FirmwareStatusNotification: { req: OCPP20.FirmwareStatusNotificationRequest; res: OCPP20.FirmwareStatusNotificationResponse };
  Get15118EVCertificate: { req: OCPP20.Get15118EVCertificateRequest; res: OCPP20.Get15118EVCertificateResponse };
  GetCertificateStatus: { req: OCPP20.GetCertificateStatusRequest; res: OCPP20.GetCertificateStatusResponse };
  Heartbeat: { req: OCPP20.HeartbeatRequest; res: OCPP20.HeartbeatResponse };
  LogStatusNotification: { req: OCPP20.LogStatusNotificationRequest; res: OCPP20.LogStatusNotificationResponse };
  MeterValues: { req: OCPP20.MeterValuesRequest; res: OCPP20.MeterValuesResponse };
  NotifyChargingLimit: { req: OCPP20.NotifyChargingLimitRequest; res: OCPP20.NotifyChargingLimitResponse };
  NotifyCustomerInformation: { req: OCPP20.NotifyCustomerInformationRequest; res: OCPP20.NotifyCustomerInformationResponse };
  NotifyDisplayMessages: { req: OCPP20.NotifyDisplayMessagesRequest; res: OCPP20.NotifyDisplayMessagesResponse };
  NotifyEVChargingNeeds: { req: OCPP20.NotifyEVChargingNeedsRequest; res: OCPP20.NotifyEVChargingNeedsResponse };
  NotifyEVChargingSchedule: { req: OCPP20.NotifyEVChargingScheduleRequest; res: OCPP20.NotifyEVChargingScheduleResponse };
  NotifyEvent: { req: OCPP20.NotifyEventRequest; res: OCPP20.NotifyEventResponse };
  NotifyMonitoringReport: { req: OCPP20.NotifyMonitoringReportRequest; res: OCPP20.NotifyMonitoringReportResponse };
  NotifyReport: { req: OCPP20.NotifyReportRequest; res: OCPP20.NotifyReportResponse };
  PublishFirmwareStatusNotification: { req: OCPP20.PublishFirmwareStatusNotificationRequest; res: OCPP20.PublishFirmwareStatusNotificationResponse };
  ReportChargingProfiles: { req: OCPP20.ReportChargingProfilesRequest; res: OCPP20.ReportChargingProfilesResponse };
  ReservationStatusUpdate: { req: OCPP20.ReservationStatusUpdateRequest; res: OCPP20.ReservationStatusUpdateResponse };
  SecurityEventNotification: { req: OCPP20.SecurityEventNotificationRequest; res: OCPP20.SecurityEventNotificationResponse };
  SignCertificate: { req: OCPP20.SignCertificateRequest; res: OCPP20.SignCertificateResponse };
  StatusNotification: { req: OCPP20.StatusNotificationRequest; res: OCPP20.StatusNotificationResponse };
  TransactionEvent: { req: OCPP20.TransactionEventRequest; res: OCPP20.TransactionEventResponse };
}

/** Calls the CSMS sends and a Charging Station answers. */
export interface CsmsToStation201 {
  CancelReservation: { req: OCPP20.CancelReservationRequest; res: OCPP20.CancelReservationResponse };
  CertificateSigned: { req: OCPP20.CertificateSignedRequest; res: OCPP20.CertificateSignedResponse };
  ChangeAvailability: { req: OCPP20.ChangeAvailabilityRequest; res: OCPP20.ChangeAvailabilityResponse };
  ClearCache: { req: OCPP20.ClearCacheRequest; res: OCPP20.ClearCacheResponse };
  ClearChargingProfile: { req: OCPP20.ClearChargingProfileRequest; res: OCPP20.ClearChargingProfileResponse };
  ClearDisplayMessage: { req: OCPP20.ClearDisplayMessageRequest; res: OCPP20.ClearDisplayMessageResponse };
  ClearVariableMonitoring: { req: OCPP20.ClearVariableMonitoringRequest; res: OCPP20.ClearVariableMonitoringResponse };
  CostUpdated: { req: OCPP20.CostUpdatedRequest; res: OCPP20.CostUpdatedResponse };
  CustomerInformation: { req: OCPP20.CustomerInformationRequest; res: OCPP20.CustomerInformationResponse };
  DataTransfer: { req: OCPP20.DataTransferRequest; res: OCPP20.DataTransferResponse };
  DeleteCertificate: { req: OCPP20.DeleteCertificateRequest; res: OCPP20.DeleteCertificateResponse };
  GetBaseReport: { req: OCPP20.GetBaseReportRequest; res: OCPP20.GetBaseReportResponse };
  GetChargingProfiles: { req: OCPP20.GetChargingProfilesRequest; res: OCPP20.GetChargingProfilesResponse };
  GetCompositeSchedule: { req: OCPP20.GetCompositeScheduleRequest; res: OCPP20.GetCompositeScheduleResponse };
  GetDisplayMessages: { req: OCPP20.GetDisplayMessagesRequest; res: OCPP20.GetDisplayMessagesResponse };
  GetInstalledCertificateIds: { req: OCPP20.GetInstalledCertificateIdsRequest; res: OCPP20.GetInstalledCertificateIdsResponse };
  GetLocalListVersion: { req: OCPP20.GetLocalListVersionRequest; res: OCPP20.GetLocalListVersionResponse };
  GetLog: { req: OCPP20.GetLogRequest; res: OCPP20.GetLogResponse };
  GetMonitoringReport: { req: OCPP20.GetMonitoringReportRequest; res: OCPP20.GetMonitoringReportResponse };
  GetReport: { req: OCPP20.GetReportRequest; res: OCPP20.GetReportResponse };
  GetTransactionStatus: { req: OCPP20.GetTransactionStatusRequest; res: OCPP20.GetTransactionStatusResponse };
  GetVariables: { req: OCPP20.GetVariablesRequest; res: OCPP20.GetVariablesResponse };
  InstallCertificate: { req: OCPP20.InstallCertificateRequest; res: OCPP20.InstallCertificateResponse };
  PublishFirmware: { req: OCPP20.PublishFirmwareRequest; res: OCPP20.PublishFirmwareResponse };
  RequestStartTransaction: { req: OCPP20.RequestStartTransactionRequest; res: OCPP20.RequestStartTransactionResponse };
  RequestStopTransaction: { req: OCPP20.RequestStopTransactionRequest; res: OCPP20.RequestStopTransactionResponse };
  ReserveNow: { req: OCPP20.ReserveNowRequest; res: OCPP20.ReserveNowResponse };
  Reset: { req: OCPP20.ResetRequest; res: OCPP20.ResetResponse };
  SendLocalList: { req: OCPP20.SendLocalListRequest; res: OCPP20.SendLocalListResponse };
  SetChargingProfile: { req: OCPP20.SetChargingProfileRequest; res: OCPP20.SetChargingProfileResponse };
  SetDisplayMessage: { req: OCPP20.SetDisplayMessageRequest; res: OCPP20.SetDisplayMessageResponse };
  SetMonitoringBase: { req: OCPP20.SetMonitoringBaseRequest; res: OCPP20.SetMonitoringBaseResponse };
  SetMonitoringLevel: { req: OCPP20.SetMonitoringLevelRequest; res: OCPP20.SetMonitoringLevelResponse };
  SetNetworkProfile: { req: OCPP20.SetNetworkProfileRequest; res: OCPP20.SetNetworkProfileResponse };
  SetVariableMonitoring: { req: OCPP20.SetVariableMonitoringRequest; res: OCPP20.SetVariableMonitoringResponse };
  SetVariables: { req: OCPP20.SetVariablesRequest; res: OCPP20.SetVariablesResponse };
  TriggerMessage: { req: OCPP20.TriggerMessageRequest; res: OCPP20.TriggerMessageResponse };
  UnlockConnector: { req: OCPP20.UnlockConnectorRequest; res: OCPP20.UnlockConnectorResponse };
  UnpublishFirmware: { req: OCPP20.UnpublishFirmwareRequest; res: OCPP20.UnpublishFirmwareResponse };
  UpdateFirmware: { req: OCPP20.UpdateFirmwareRequest; res: OCPP20.UpdateFirmwareResponse };
}

export type StationAction201 = keyof StationToCsms201;
export type CsmsAction201 = keyof CsmsToStation201;
