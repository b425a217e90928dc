// Which certificate subject belongs to which station (Security Whitepaper ed. 3, §2.4 / A00.FR.309-312):
// the charge point certificate's subject CN holds the station's serial number and O the operator's
// organisation name. A deployment may instead bind CN to the station id (the OCPP identity), which
// many installers find easier to provision. One rule, used wherever a subject is checked: a CSR
// before it is signed (SignCertificate), a client certificate at the TLS upgrade and again at
// BootNotification.

export interface SubjectRule {
  /** what the CN must equal: the station's serial number (the whitepaper) or its OCPP identity */
  commonName: 'serialNumber' | 'stationId';
  /** the operator's organisation name the O must equal; null: O is not checked */
  organization: string | null;
}

export interface StationIdentity {
  id: string;
  /** chargePointSerialNumber (or chargeBoxSerialNumber) from the last BootNotification; null before the first */
  serialNumber: string | null;
}

export interface Subject {
  CN?: string | string[];
  O?: string | string[];
}

const single = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? (v.length === 1 ? v[0] : undefined) : v);

/**
 * Why this subject does not belong to the station, or null when it does. With the serial-number
 * rule and a station that never booted (serial unknown), the CN cannot be checked yet: the answer
 * is null with `provisional: true` from subjectCheck, and BootNotification checks again.
 */
export function subjectCheck(subject: Subject, station: StationIdentity, rule: SubjectRule): { problem: string | null; provisional: boolean } {
  const cn = single(subject.CN);
  const o = single(subject.O);
  if (cn === undefined) return { problem: 'the certificate subject has no single CN', provisional: false };
  if (rule.organization !== null && o !== rule.organization) {
    return { problem: `the certificate subject O is ${o === undefined ? 'missing' : JSON.stringify(o)}, expected ${JSON.stringify(rule.organization)}`, provisional: false };
  }
  if (rule.commonName === 'stationId') {
    return { problem: cn === station.id ? null : `the certificate subject CN ${JSON.stringify(cn)} is not the station id ${JSON.stringify(station.id)}`, provisional: false };
  }
  if (station.serialNumber === null) return { problem: null, provisional: true };
  return {
    problem: cn === station.serialNumber ? null : `the certificate subject CN ${JSON.stringify(cn)} is not the station's serial number ${JSON.stringify(station.serialNumber)}`,
    provisional: false,
  };
}
