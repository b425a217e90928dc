// Which security events are critical: the "Critical" column of the OCPP 1.6 Security Whitepaper's
// list of security events (edition 3, section "Security events"). A station pushes at least the
// critical ones with SecurityEventNotification; Plugboard raises them (bus event security.event
// with critical = true, so webhooks and the live view can alert). Types not on the list
// (vendor-specific ones, the list is open) are not critical.
//
// Each version has its own list: record() takes `critical` from the caller, so the service
// stays version-neutral.
export const CRITICAL_SECURITY_EVENTS_16: ReadonlySet<string> = new Set([
  'FirmwareUpdated',
  'SettingSystemTime',
  'StartupOfTheDevice',
  'ResetOrReboot',
  'SecurityLogWasCleared',
  'MemoryExhaustion',
  'TamperDetectionActivated',
]);

export function isCriticalSecurityEvent16(type: string): boolean {
  return CRITICAL_SECURITY_EVENTS_16.has(type);
}

// OCPP 2.0.1 Part 2 Appendices, "Security Events": the 1.6 critical ones (spelt the same) and
// the two maintenance-login events 2.0.1 adds. 2.0.1 renames some non-critical ones
// (FailedToAuthenticateAtCsms, InvalidCsmsCertificate, InvalidChargingStationCertificate); those
// stay not critical.
export const CRITICAL_SECURITY_EVENTS_201: ReadonlySet<string> = new Set([
  ...CRITICAL_SECURITY_EVENTS_16,
  'MaintenanceLoginAccepted',
  'MaintenanceLoginFailed',
]);

export function isCriticalSecurityEvent201(type: string): boolean {
  return CRITICAL_SECURITY_EVENTS_201.has(type);
}
