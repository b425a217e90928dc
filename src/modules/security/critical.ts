// Which security events are critical: the "Critical" column of the OCPP 1.6 Security Whitepaper's
// list of security events (edition 3, section "Security events"). A station pushes at least the
// critical ones with SecurityEventNotification; Plugboard raises them (bus event security.event
// with critical = true, so webhooks and the live view can alert). Types not on the list
// (vendor-specific ones, the list is open) are not critical.
//
// The list is 1.6's: OCPP 2.0.1 marks more events critical (the invalid certificate, TLS and
// maintenance-login events) and spells some differently (InvalidCsmsCertificate); its handler
// brings its own list. record() takes `critical` from the caller, so the service stays
// version-neutral.
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
