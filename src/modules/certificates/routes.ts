// REST endpoints of the certificates module: the CA, CSRs stations sent (and the external CA's
// answer), issued certificates and revocation, renewal, and each station's installed roots
// (InstallCertificate, DeleteCertificate, GetInstalledCertificateIds).
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Api } from '../../http/types.ts';
import { HttpError } from '../../http/errors.ts';
import { BoundedInteger, IdParam, NumericIdParam, standardErrors } from '../../http/schemas.ts';
import { Nullable } from '../../http/list-query.ts';
import { COMMAND_DESCRIPTION, commandErrors, translated } from '../commands/schemas.ts';
import { CERTIFICATE_TYPES, CertificateConflictError, CertificateInputError, CertificateNotFoundError, type CertificateType } from './service.ts';
import type { CertificateRequest, InstalledCertificate, IssuedCertificate } from './store.ts';

const tags = ['Certificates'];

const CertificateTypeSchema = Type.Unsafe<CertificateType>({ type: 'string', enum: [...CERTIFICATE_TYPES] });
const RequestStatus = Type.Unsafe<CertificateRequest['status']>({ type: 'string', enum: ['pending', 'sending', 'accepted', 'rejected', 'failed'] });

const IssuedBody = Type.Object({
  id: Type.Integer(),
  stationId: Type.String(),
  requestId: Nullable(Type.Integer()),
  serialNumber: Type.String({ description: 'lower-case hex, no leading zeros' }),
  fingerprint256: Type.String({ description: 'SHA-256 of the DER, lower-case hex' }),
  subject: Type.String(),
  issuer: Type.String(),
  notBefore: Type.String(),
  notAfter: Type.String(),
  signer: Type.String(),
  status: Type.Unsafe<'valid' | 'expired' | 'revoked'>({ type: 'string', enum: ['valid', 'expired', 'revoked'] }),
  revokedAt: Nullable(Type.String()),
  revocationReason: Nullable(Type.String()),
  renewalRequestedAt: Nullable(Type.String()),
  createdAt: Type.String(),
  pem: Type.String(),
});

const RequestBody = Type.Object({
  id: Type.Integer(),
  stationId: Type.String(),
  subject: Type.String(),
  keyType: Type.String(),
  signer: Type.String(),
  status: RequestStatus,
  certificateId: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  csr: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const InstalledBody = Type.Object({
  id: Type.Integer(),
  certificateType: CertificateTypeSchema,
  hashAlgorithm: Type.String(),
  issuerNameHash: Type.String(),
  issuerKeyHash: Nullable(Type.String()),
  serialNumber: Type.String(),
  subject: Nullable(Type.String({ description: 'known when Plugboard installed it' })),
  notAfter: Nullable(Type.String()),
  pem: Nullable(Type.String()),
  installedAt: Nullable(Type.String()),
  reportedAt: Nullable(Type.String({ description: 'the last GetInstalledCertificateIds answer that listed it' })),
});

const HashDataBody = Type.Object({ hashAlgorithm: Type.String(), issuerNameHash: Type.String(), issuerKeyHash: Type.String(), serialNumber: Type.String() });

const RevocationBody = Type.Object({
  id: Type.Integer(),
  serialNumber: Nullable(Type.String()),
  fingerprint256: Nullable(Type.String()),
  issuedCertificateId: Nullable(Type.Integer()),
  reason: Nullable(Type.String()),
  revokedAt: Type.String(),
});

const CertificateInfoBody = Type.Object({
  serialNumber: Type.String(),
  fingerprint256: Type.String(),
  subject: Type.String(),
  issuer: Type.String(),
  notBefore: Type.String(),
  notAfter: Type.String(),
});

const StationCertParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 255 }), certificateId: BoundedInteger({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
const Limit = Type.Object({ limit: Type.Optional(BoundedInteger({ minimum: 1, maximum: 1000, description: 'newest first; default 100' })) });
const PEM_MAX = 10_000;

function toIssued(c: IssuedCertificate, now: string) {
  return {
    id: Number(c.id),
    stationId: c.station_id,
    requestId: c.request_id === null ? null : Number(c.request_id),
    serialNumber: c.serial_number,
    fingerprint256: c.fingerprint256,
    subject: c.subject,
    issuer: c.issuer,
    notBefore: c.not_before,
    notAfter: c.not_after,
    signer: c.signer,
    status: c.revoked_at ? ('revoked' as const) : c.not_after <= now ? ('expired' as const) : ('valid' as const),
    revokedAt: c.revoked_at,
    revocationReason: c.revocation_reason,
    renewalRequestedAt: c.renewal_requested_at,
    createdAt: c.created_at,
    pem: c.pem,
  };
}

function toRequest(r: CertificateRequest) {
  return {
    id: Number(r.id),
    stationId: r.station_id,
    subject: r.subject,
    keyType: r.key_type,
    signer: r.signer,
    status: r.status,
    certificateId: r.certificate_id === null ? null : Number(r.certificate_id),
    error: r.error,
    csr: r.csr,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toInstalled(r: InstalledCertificate) {
  return {
    id: Number(r.id),
    certificateType: r.certificate_type,
    hashAlgorithm: r.hash_algorithm,
    issuerNameHash: r.issuer_name_hash,
    issuerKeyHash: r.issuer_key_hash,
    serialNumber: r.serial_number,
    subject: r.subject,
    notAfter: r.not_after,
    pem: r.pem,
    installedAt: r.installed_at,
    reportedAt: r.reported_at,
  };
}

async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await translated(fn);
  } catch (err) {
    if (err instanceof CertificateNotFoundError) throw new HttpError(404, 'not_found', err.message);
    if (err instanceof CertificateConflictError) throw new HttpError(409, 'conflict', err.message);
    if (err instanceof CertificateInputError) throw new HttpError(422, 'invalid_certificate', err.message);
    throw err;
  }
}

export function registerRoutes(api: Api, ctx: AppContext): void {
  const certs = () => ctx.services.certificates;
  const now = () => ctx.now().toISOString();

  api.get('/certificates/ca', {
    schema: {
      tags,
      summary: 'The CA that signs station certificates',
      description:
        "certificates.signer builtin: Plugboard's CA (generated on first use, or the operator's caCertFile), whose certificate " +
        'stations using security profile 3 are issued by: trust it on the charger listener. external: certificate is null.',
      response: {
        200: Type.Object({
          signer: Type.String(),
          source: Nullable(Type.String({ description: 'generated or configured' })),
          certificate: Nullable(CertificateInfoBody),
          certificatePem: Nullable(Type.String()),
          chainPem: Nullable(Type.String({ description: 'the CA certificate, then any above it' })),
        }),
        ...standardErrors,
      },
    },
  }, async () => {
    const info = await certs().caInfo();
    const c = info.certificate;
    return {
      signer: info.signer,
      source: info.source,
      certificate: c && { serialNumber: c.serialNumber, fingerprint256: c.fingerprint256, subject: c.subject, issuer: c.issuer, notBefore: c.notBefore, notAfter: c.notAfter },
      certificatePem: c?.pem ?? null,
      chainPem: info.chain.length ? info.chain.join('') : null,
    };
  });

  api.get('/certificate-requests', {
    schema: {
      tags,
      summary: 'CSRs stations sent (SignCertificate) that passed the checks, newest first',
      description: 'pending: waiting for the external CA (POST /certificate-requests/{id}/certificate); sending: CertificateSigned sent; accepted / rejected: the station\'s answer; failed: signing or sending failed (error says why).',
      querystring: Type.Object({ ...Limit.properties, stationId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })), status: Type.Optional(RequestStatus) }),
      response: { 200: Type.Object({ items: Type.Array(RequestBody) }), ...standardErrors },
    },
  }, async (req) => ({ items: (await certs().listRequests(req.query)).map(toRequest) }));

  api.get('/certificate-requests/:id', {
    schema: { tags, summary: 'One CSR and what became of it', params: NumericIdParam, response: { 200: RequestBody, 404: Type.Ref('ErrorBody'), ...standardErrors } },
  }, async (req) => {
    const r = await certs().getRequest(req.params.id);
    if (!r) throw new HttpError(404, 'not_found', `certificate request ${req.params.id} not found`);
    return toRequest(r);
  });

  api.post('/certificate-requests/:id/certificate', {
    schema: {
      tags,
      summary: "The external CA's signed chain for a pending CSR; Plugboard sends it with CertificateSigned",
      description:
        'certificateChain: PEM certificates, the station certificate first (it must carry the CSR\'s public key and be valid now), then ' +
        'the CA certificates the station needs. The answer is the station\'s (status Accepted or Rejected; null with error when it gave none). ' +
        '409: the request is not pending (or failed); 422: the chain is not acceptable.',
      params: NumericIdParam,
      body: Type.Object({ certificateChain: Type.String({ minLength: 1, maxLength: PEM_MAX }) }, { additionalProperties: false }),
      response: {
        200: Type.Object({ requestId: Type.Integer(), certificateId: Type.Integer(), status: Nullable(Type.String()), error: Nullable(Type.String()) }),
        404: Type.Ref('ErrorBody'),
        409: Type.Ref('ErrorBody'),
        422: Type.Ref('ErrorBody'),
        ...standardErrors,
      },
    },
  }, async (req) => mapped(() => certs().submitChain(req.params.id, req.body.certificateChain)));

  const listIssued = async (stationId: string | undefined, limit?: number) => {
    const at = now();
    return { items: (await certs().listIssued({ stationId, limit })).map((c) => toIssued(c, at)) };
  };

  api.get('/certificates/issued', {
    schema: {
      tags,
      summary: 'Station certificates Plugboard issued or sent, newest first',
      querystring: Type.Object({ ...Limit.properties, stationId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }),
      response: { 200: Type.Object({ items: Type.Array(IssuedBody) }), ...standardErrors },
    },
  }, async (req) => listIssued(req.query.stationId, req.query.limit));

  api.get('/stations/:id/certificates/issued', {
    schema: { tags, summary: "A station's certificates, newest first", params: IdParam, querystring: Limit, response: { 200: Type.Object({ items: Type.Array(IssuedBody) }), ...standardErrors } },
  }, async (req) => listIssued(req.params.id, req.query.limit));

  api.post('/certificates/issued/:id/revoke', {
    schema: {
      tags,
      summary: 'Revoke an issued certificate: it is refused at connect from now on',
      params: NumericIdParam,
      body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false })),
      response: { 200: IssuedBody, 404: Type.Ref('ErrorBody'), ...standardErrors },
    },
  }, async (req) => {
    const c = await mapped(() => certs().revokeIssued(req.params.id, req.body?.reason ?? null));
    return toIssued(c, now());
  });

  api.get('/certificates/revocations', {
    schema: { tags, summary: 'Revoked certificates (by serial number and/or fingerprint)', response: { 200: Type.Object({ items: Type.Array(RevocationBody) }), ...standardErrors } },
  }, async () => ({
    items: (await certs().listRevocations()).map((r) => ({
      id: Number(r.id),
      serialNumber: r.serial_number,
      fingerprint256: r.fingerprint256,
      issuedCertificateId: r.issued_certificate_id === null ? null : Number(r.issued_certificate_id),
      reason: r.reason,
      revokedAt: r.revoked_at,
    })),
  }));

  api.post('/certificates/revocations', {
    schema: {
      tags,
      summary: 'Revoke any certificate by serial number and/or SHA-256 fingerprint',
      description:
        'For certificates Plugboard did not issue too (e.g. a station certificate from an external CA). A serial number alone matches that ' +
        'serial from every CA; give the fingerprint to revoke one certificate. Hex, separators (:) allowed, any case. 422 when neither is given.',
      body: Type.Object(
        {
          serialNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[0-9A-Fa-f: ]+$' })),
          fingerprint256: Type.Optional(Type.String({ minLength: 64, maxLength: 128, pattern: '^[0-9A-Fa-f: ]+$' })),
          reason: Type.Optional(Type.String({ maxLength: 500 })),
        },
        { additionalProperties: false },
      ),
      response: {
        201: Type.Object({ id: Type.Integer(), serialNumber: Nullable(Type.String()), fingerprint256: Nullable(Type.String()), reason: Nullable(Type.String()), revokedAt: Type.String(), issuedCertificateIds: Type.Array(Type.Integer()) }),
        422: Type.Ref('ErrorBody'),
        ...standardErrors,
      },
    },
  }, async (req, reply) => {
    const r = await mapped(() => certs().revoke(req.body));
    reply.code(201);
    return { ...r, issuedCertificateIds: r.issuedCertificateIds.map(Number) };
  });

  api.post('/stations/:id/certificates/renew', {
    schema: {
      tags,
      summary: 'Ask the station for a new CSR now (ExtendedTriggerMessage SignChargePointCertificate)',
      description: 'Accepted: its SignCertificate follows and is signed as usual. The renewal check does the same for certificates about to expire. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      response: { 200: Type.Object({ status: Type.String() }), ...commandErrors, ...standardErrors },
    },
  }, async (req) => ({ status: await mapped(() => certs().requestRenewal(req.params.id)) }));

  api.get('/stations/:id/certificates/installed', {
    schema: {
      tags,
      summary: "The station's installed root certificates, as last reported or installed",
      description: 'Kept from GetInstalledCertificateIds answers and InstallCertificate / DeleteCertificate results, whichever route sent them. POST .../installed/refresh asks the station.',
      params: IdParam,
      response: { 200: Type.Object({ items: Type.Array(InstalledBody) }), ...standardErrors },
    },
  }, async (req) => ({ items: (await certs().listInstalled(req.params.id)).map(toInstalled) }));

  api.post('/stations/:id/certificates/installed/refresh', {
    schema: {
      tags,
      summary: 'Ask the station what it holds (GetInstalledCertificateIds, both types unless one is named)',
      description: COMMAND_DESCRIPTION,
      params: IdParam,
      body: Type.Optional(Type.Object({ certificateType: Type.Optional(CertificateTypeSchema) }, { additionalProperties: false })),
      response: { 200: Type.Object({ statuses: Type.Record(Type.String(), Type.String()), items: Type.Array(InstalledBody) }), ...commandErrors, ...standardErrors },
    },
  }, async (req) => {
    const t = req.body?.certificateType;
    const r = await mapped(() => certs().refreshInstalled(req.params.id, t ? [t] : undefined));
    return { statuses: r.statuses as Record<string, string>, items: r.certificates.map(toInstalled) };
  });

  api.post('/stations/:id/certificates/installed', {
    schema: {
      tags,
      summary: 'Install a root certificate on the station (InstallCertificate)',
      description:
        'certificate: one PEM certificate (CentralSystemRootCertificate: the root the station verifies the Central System with; ' +
        'ManufacturerRootCertificate: for signed firmware). The answer is the station\'s: Accepted (added to the inventory), Rejected or Failed. ' +
        '422: not one readable PEM certificate. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      body: Type.Object({ certificateType: CertificateTypeSchema, certificate: Type.String({ minLength: 1, maxLength: 5500, description: 'PEM, at most 5500 characters' }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ status: Type.String(), certificate: CertificateInfoBody }), 422: Type.Ref('ErrorBody'), ...commandErrors, ...standardErrors },
    },
  }, async (req) => {
    const r = await mapped(() => certs().install(req.params.id, req.body.certificateType, req.body.certificate));
    const c = r.certificate;
    return { status: r.status, certificate: { serialNumber: c.serialNumber, fingerprint256: c.fingerprint256, subject: c.subject, issuer: c.issuer, notBefore: c.notBefore, notAfter: c.notAfter } };
  });

  api.delete('/stations/:id/certificates/installed/:certificateId', {
    schema: {
      tags,
      summary: 'Delete an installed certificate from the station (DeleteCertificate)',
      description:
        'Sent with the hash data the station reported, its own hashAlgorithm included (Security Whitepaper M04.FR.07); an entry it never ' +
        'reported is looked up with GetInstalledCertificateIds first. The station\'s answer: Accepted, Failed or NotFound (Accepted and NotFound ' +
        'remove it from the inventory). 409: the station\'s only CentralSystemRootCertificate (force=true deletes it anyway). ' + COMMAND_DESCRIPTION,
      params: StationCertParams,
      querystring: Type.Object({ force: Type.Optional(Type.Boolean()) }),
      response: { 200: Type.Object({ status: Type.String(), hashData: HashDataBody }), ...commandErrors, ...standardErrors },
    },
  }, async (req) => mapped(() => certs().remove(req.params.id, req.params.certificateId, { force: req.query.force })));
}
