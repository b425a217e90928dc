// The few DER fields of an X.509 certificate that must be read as the exact bytes it holds: the
// issuer and subject names (an issued certificate's issuer is the CA's subject byte for byte;
// OCPP's issuerNameHash hashes the issuer's DER), the serial number and the public key BIT
// STRING (issuerKeyHash). Re-encoding a parsed Name may change string types or order, so these
// are cut out of the original encoding. Nothing else is parsed here.

export interface Tlv {
  tag: number;
  /** the whole element: tag, length and content */
  raw: Buffer;
  content: Buffer;
}

export class DerError extends Error {}

function readTlv(buf: Buffer, at: number): { tlv: Tlv; next: number } {
  if (at + 2 > buf.length) throw new DerError('truncated DER');
  const tag = buf[at];
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not used in certificates');
  let len = buf[at + 1];
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || at + 2 + n > buf.length) throw new DerError('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[at + 2 + i];
    head += n;
  }
  const end = at + head + len;
  if (end > buf.length) throw new DerError('truncated DER');
  return { tlv: { tag, raw: buf.subarray(at, end), content: buf.subarray(at + head, end) }, next: end };
}

/** The elements of a SEQUENCE's content. */
export function children(content: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let at = 0;
  while (at < content.length) {
    const { tlv, next } = readTlv(content, at);
    out.push(tlv);
    at = next;
  }
  return out;
}

export interface CertificateFields {
  /** INTEGER content, as encoded (may have a leading 00) */
  serial: Buffer;
  issuer: Buffer;
  subject: Buffer;
  /** SubjectPublicKeyInfo DER */
  spki: Buffer;
  /** the subjectPublicKey BIT STRING's bytes (without the unused-bits octet) */
  publicKeyBits: Buffer;
}

/** Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serial, signature, issuer, validity, subject, spki, ... }, ... } */
export function certificateFields(der: Buffer): CertificateFields {
  const cert = readTlv(der, 0).tlv;
  if (cert.tag !== 0x30) throw new DerError('not a certificate');
  const tbs = children(cert.content)[0];
  if (!tbs || tbs.tag !== 0x30) throw new DerError('not a certificate');
  let f = children(tbs.content);
  if (f[0]?.tag === 0xa0) f = f.slice(1);
  const [serial, , issuer, , subject, spki] = f;
  if (serial?.tag !== 0x02 || issuer?.tag !== 0x30 || subject?.tag !== 0x30 || spki?.tag !== 0x30) throw new DerError('not a certificate');
  return { serial: serial.content, issuer: issuer.raw, subject: subject.raw, spki: spki.raw, publicKeyBits: spkiKeyBits(spki.raw) };
}

/** SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING } -> the key bytes. */
export function spkiKeyBits(spki: Buffer): Buffer {
  const seq = readTlv(spki, 0).tlv;
  const bits = children(seq.content)[1];
  if (bits?.tag !== 0x03 || bits.content.length < 1) throw new DerError('not a SubjectPublicKeyInfo');
  return bits.content.subarray(1);
}

/** CertificationRequest ::= SEQUENCE { info SEQUENCE { version, subject, spki, [0] attributes }, ... } -> subject DER. */
export function csrSubject(der: Buffer): Buffer {
  const req = readTlv(der, 0).tlv;
  const info = children(req.content)[0];
  if (!info || info.tag !== 0x30) throw new DerError('not a certificate request');
  const subject = children(info.content)[1];
  if (subject?.tag !== 0x30) throw new DerError('not a certificate request');
  return subject.raw;
}

/** A serial number as OCPP and node:tls spell it: hex, lower case here, no leading zeros. */
export function serialHex(serial: Buffer): string {
  const hex = serial.toString('hex').replace(/^0+/, '');
  return hex === '' ? '0' : hex;
}
