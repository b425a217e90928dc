// The 77 OCTT 1.6 central-system test cases (OCA "Test case document OCTT for OCPP 1.6",
// chapter 3, 2026-02 edition with TC_083 and TC_088), in the order and with the profiles of
// ocpp-checklist.md §4.2 (the EVtivity/SteVe grouping). The compliance runner lists every one
// of them, so a case nobody wrote a test for shows up as "not implemented" instead of vanishing.

export const PROFILES = ['Core', 'LocalList', 'FirmwareMgmt', 'Reservation', 'RemoteTrigger', 'SmartCharging', 'Security'] as const;

export type Profile = (typeof PROFILES)[number];

export type OcttVersion = '1.6' | '2.0.1';

export interface ComplianceCase {
  /** the OCTT id, e.g. TC_004_1_CSMS (1.6) or TC_B_01_CSMS (2.0.1); a test implements the case when its name starts with it */
  id: string;
  title: string;
  /** a profile of the version's list (PROFILES for 1.6, PROFILES_201 in cases201.ts for 2.0.1) */
  profile: string;
}

/**
 * A test implements a case when its name starts with the case id and a space (or is just the
 * id): TC_004_1_CSMS for 1.6 (test/e2e/octt-*.test.ts), TC_B_01_CSMS for 2.0.1 (test/e2e/octt201-*.test.ts).
 */
export const CASE_ID_PATTERN = /^(TC_\d{3}(?:_\d+)?_CSMS|TC_[A-P]_\d+_CSMS)(?=\s|$)/;

/** Which OCTT list a case id belongs to, by its shape. */
export const versionOfCaseId = (id: string): OcttVersion => (/^TC_[A-P]_/.test(id) ? '2.0.1' : '1.6');

const core = (id: string, title: string): ComplianceCase => ({ id, title, profile: 'Core' });
const of = (profile: Profile) => (id: string, title: string): ComplianceCase => ({ id, title, profile });
const localList = of('LocalList');
const firmware = of('FirmwareMgmt');
const reservation = of('Reservation');
const trigger = of('RemoteTrigger');
const smart = of('SmartCharging');
const security = of('Security');

export const OCTT16_CSMS_CASES: readonly ComplianceCase[] = [
  core('TC_001_CSMS', 'Cold Boot Charge Point'),
  core('TC_003_CSMS', 'Regular Charging Session – Plugin First'),
  core('TC_004_1_CSMS', 'Regular Charging Session – Identification First'),
  core('TC_004_2_CSMS', 'Regular Charging Session – Identification First – ConnectionTimeOut'),
  core('TC_005_1_CSMS', 'EV Side Disconnected (StopTxOnEVSideDisconnect=true, UnlockOnEVSideDisconnect=true)'),
  core('TC_007_CSMS', 'Regular Start Charging Session – Cached Id'),
  core('TC_061_CSMS', 'Clear Authorization Data in Authorization Cache'),
  core('TC_010_CSMS', 'Remote Start – Cable Plugged in First'),
  core('TC_011_1_CSMS', 'Remote Start – Remote Start First'),
  core('TC_011_2_CSMS', 'Remote Start – Time Out'),
  core('TC_012_CSMS', 'Remote Stop Charging Session'),
  core('TC_013_CSMS', 'Hard Reset'),
  core('TC_014_CSMS', 'Soft Reset'),
  core('TC_017_1_CSMS', 'Unlock connector – no session (not fixed cable)'),
  core('TC_017_2_CSMS', 'Unlock connector – no session (fixed cable)'),
  core('TC_018_1_CSMS', 'Unlock Connector – With Charging Session'),
  core('TC_019_1_CSMS', 'Retrieve all configuration keys'),
  core('TC_019_2_CSMS', 'Retrieve specific configuration key'),
  core('TC_021_CSMS', 'Change/set Configuration'),
  core('TC_023_1_CSMS', 'Start Charging Session – Authorize invalid'),
  core('TC_023_2_CSMS', 'Start Charging Session – Authorize expired'),
  core('TC_023_3_CSMS', 'Start Charging Session – Authorize blocked'),
  core('TC_024_CSMS', 'Start Charging Session Lock Failure'),
  core('TC_026_CSMS', 'Remote Start Charging Session – Rejected'),
  core('TC_028_CSMS', 'Remote Stop Transaction – Rejected'),
  core('TC_030_CSMS', 'Unlock Connector – Unlock Failure'),
  core('TC_031_CSMS', 'Unlock Connector – Unknown Connector'),
  core('TC_032_1_CSMS', 'Power failure boot – configured to stop transaction(s)'),
  core('TC_037_1_CSMS', 'Offline Start Transaction – Valid IdTag'),
  core('TC_037_3_CSMS', 'Offline Start – Invalid IdTag – StopTransactionOnInvalidId=true'),
  core('TC_039_CSMS', 'Offline Transaction'),
  core('TC_040_1_CSMS', 'Configuration keys (NotSupported)'),
  core('TC_040_2_CSMS', 'Configuration keys (invalid value)'),
  core('TC_064_CSMS', 'Data Transfer to a Central System'),
  localList('TC_042_1_CSMS', 'Get Local List Version (not supported)'),
  localList('TC_042_2_CSMS', 'Get Local List Version (empty)'),
  localList('TC_043_1_CSMS', 'Send Local Authorization List – NotSupported'),
  localList('TC_043_3_CSMS', 'Send Local Authorization List – Failed'),
  localList('TC_043_4_CSMS', 'Send Local Authorization List – Full'),
  localList('TC_043_5_CSMS', 'Send Local Authorization List – Differential'),
  firmware('TC_044_1_CSMS', 'Firmware Update – Download and Install'),
  firmware('TC_044_2_CSMS', 'Firmware Update – Download Failed'),
  firmware('TC_044_3_CSMS', 'Firmware Update – Installation Failed'),
  firmware('TC_045_1_CSMS', 'Get Diagnostics'),
  firmware('TC_045_2_CSMS', 'Get Diagnostics – Upload Failed'),
  reservation('TC_046_CSMS', 'Reservation of a Connector – Transaction'),
  reservation('TC_047_CSMS', 'Reservation of a Connector – Expire'),
  reservation('TC_048_1_CSMS', 'Reservation – Faulted'),
  reservation('TC_048_2_CSMS', 'Reservation – Occupied'),
  reservation('TC_048_3_CSMS', 'Reservation – Unavailable'),
  reservation('TC_048_4_CSMS', 'Reservation – Rejected'),
  reservation('TC_049_CSMS', 'Reservation of a Charge Point – Transaction'),
  reservation('TC_051_CSMS', 'Cancel Reservation'),
  reservation('TC_052_CSMS', 'Cancel Reservation – Rejected'),
  reservation('TC_053_CSMS', 'Use a reserved Connector with parentIdTag'),
  trigger('TC_054_CSMS', 'Trigger Message'),
  trigger('TC_055_CSMS', 'Trigger Message – Rejected'),
  smart('TC_056_CSMS', 'Central Smart Charging – TxDefaultProfile'),
  smart('TC_057_CSMS', 'Central Smart Charging – TxProfile'),
  smart('TC_059_CSMS', 'Remote Start Transaction with Charging Profile'),
  smart('TC_066_CSMS', 'Get Composite Schedule'),
  smart('TC_067_CSMS', 'Clear Charging Profile'),
  security('TC_073_CSMS', 'Update Charge Point Password for HTTP Basic Auth'),
  security('TC_074_CSMS', 'Update Charge Point Certificate by request of CS'),
  security('TC_075_1_CSMS', 'Install certificate – ManufacturerRootCertificate'),
  security('TC_075_2_CSMS', 'Install certificate – CentralSystemRootCertificate'),
  security('TC_076_CSMS', 'Delete a specific certificate'),
  security('TC_077_CSMS', 'Invalid ChargePointCertificate Security Event'),
  security('TC_078_CSMS', 'Invalid CentralSystemCertificate Security Event'),
  security('TC_079_CSMS', 'Get Security Log'),
  security('TC_080_CSMS', 'Secure Firmware Update'),
  security('TC_081_CSMS', 'Secure Firmware Update – Invalid Signature'),
  security('TC_083_CSMS', 'Upgrade Charge Point Security Profile – Accepted'),
  security('TC_085_CSMS', 'Basic Authentication – Valid username/password'),
  security('TC_086_CSMS', 'TLS – server-side certificate – Valid'),
  security('TC_087_CSMS', 'TLS – Client-side certificate – Valid'),
  security('TC_088_CSMS', 'WebSocket Subprotocol negotiation'),
];

/** The case a test name implements, or null. */
export function caseIdOf(testName: string): string | null {
  return CASE_ID_PATTERN.exec(testName)?.[1] ?? null;
}
