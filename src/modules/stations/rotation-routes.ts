// REST endpoints of the credential flows (rotation.ts): password rotation and security profile
// upgrade of a station, and the list of its flows with their status.
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Api } from '../../http/types.ts';
import { conflict } from '../../http/errors.ts';
import { IdParam, Page, PageQuery, standardErrors } from '../../http/schemas.ts';
import { DateTime, Nullable } from '../../http/list-query.ts';
import { StationPassword } from './api.ts';
import { CredentialFlowConflictError, type SecurityFlow } from './rotation.ts';
import { StationNotFoundError } from './service.ts';

const tags = ['Stations'];
const errors = { 404: Type.Ref('ErrorBody'), 409: Type.Ref('ErrorBody'), ...standardErrors };

export const SecurityFlowBody = Type.Object(
  {
    id: Type.Integer(),
    stationId: Type.String(),
    kind: Type.Union([Type.Literal('password-rotation'), Type.Literal('profile-upgrade')]),
    status: Type.Union(
      ['Sending', 'Accepted', 'Completed', 'Rejected', 'NotSupported', 'Unanswered', 'Failed', 'Superseded'].map((s) => Type.Literal(s)),
      {
        description:
          'Sending: the ChangeConfiguration is on its way. Accepted: the charger took it; waiting for it to reconnect with the new credentials ' +
          '(rotation: the old and the new password are both valid until then). Completed: it did (rotation: the old password is refused from then on). ' +
          'Rejected / NotSupported: the charger\'s answer, nothing changed. Unanswered: no answer in time (rotation: both passwords stay valid). ' +
          'Failed: not sent or an error (detail). Superseded: a newer rotation, or an operator setting the password, replaced it.',
      },
    ),
    fromProfile: Nullable(Type.Integer({ description: 'the security profile when the flow started' })),
    targetProfile: Nullable(Type.Integer({ description: 'profile upgrade: the profile asked for' })),
    pendingSince: Nullable(DateTime('rotation: since when the new password is accepted beside the old one')),
    chargerStatus: Nullable(Type.String({ description: "the charger's ChangeConfiguration (or InstallCertificate) answer" })),
    detail: Nullable(Type.String()),
    createdAt: DateTime(),
    updatedAt: DateTime(),
    completedAt: Nullable(DateTime()),
  },
  { title: 'SecurityFlow' },
);

function toFlow(f: SecurityFlow) {
  return {
    id: Number(f.id),
    stationId: f.station_id,
    kind: f.kind,
    status: f.status,
    fromProfile: f.from_profile,
    targetProfile: f.target_profile,
    pendingSince: f.pending_password_hash ? f.pending_since : null,
    chargerStatus: f.charger_status,
    detail: f.detail,
    createdAt: f.created_at,
    updatedAt: f.updated_at,
    completedAt: f.completed_at,
  };
}

async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CredentialFlowConflictError) throw conflict(err.message);
    throw err;
  }
}

export function registerCredentialFlowRoutes(api: Api, ctx: AppContext): void {
  const flows = () => ctx.services.credentialFlows;

  api.post('/stations/:id/password-rotation', {
    // An empty body means {} (a generated password).
    preValidation: async (req) => {
      req.body ??= {};
    },
    schema: {
      tags,
      summary: 'Rotate the charger\'s password (ChangeConfiguration AuthorizationKey, Security Whitepaper A01)',
      description:
        'Plugboard generates a strong password (20 random bytes as 40 hex characters) unless one is given, keeps its hash as the pending ' +
        'password and sends ChangeConfiguration AuthorizationKey. Accepted: the connection that used the old password is closed; the charger ' +
        'may connect with the new one, and the old stays valid until it has (then the old is refused). Rejected / NotSupported: the old ' +
        'password stays, the new one is dropped. The answer holds the generated password once, for re-provisioning the charger by hand; ' +
        'Plugboard keeps only its hash and never logs it. 409 when the station is offline, at profile 0 or 3, or a flow is under way.',
      params: IdParam,
      body: Type.Object({ password: Type.Optional(StationPassword) }, { additionalProperties: false, description: 'may be omitted: Plugboard generates the password' }),
      response: {
        200: Type.Object({
          flow: SecurityFlowBody,
          password: Type.Optional(Type.String({ description: 'the generated password, shown this once (absent when the operator gave it, or nothing was changed)' })),
        }),
        ...errors,
      },
    },
  }, async (req) => {
    const { flow, password } = await mapped(() => flows().rotatePassword(req.params.id, { password: req.body.password }));
    return { flow: toFlow(flow), ...(password === undefined ? {} : { password }) };
  });

  api.post('/stations/:id/security-profile-upgrade', {
    schema: {
      tags,
      summary: 'Raise the charger\'s security profile (ChangeConfiguration SecurityProfile, Security Whitepaper A05)',
      description:
        'Checks the prerequisites (profiles 1-2: the station has a password; 2-3: the TLS listener or a TLS-terminating trusted proxy is configured; 3: client certificates are ' +
        'requested and a CA is configured, or a client-certificate header behind a trusted proxy), installs centralSystemRootCertificate first when given (InstallCertificate), then sends ' +
        'ChangeConfiguration SecurityProfile. Accepted: the station\'s profile is raised at once (a connection at a lower profile is refused ' +
        'from then on; no downgrade), a Reset is sent (Hard unless `reset` says otherwise) and the live connection closed; the flow is Completed ' +
        'when the charger has reconnected. 409 when the target is not higher than the current profile, a prerequisite is missing, or the station is offline.',
      params: IdParam,
      body: Type.Object(
        {
          targetProfile: Type.Integer({ minimum: 1, maximum: 3, description: 'the new security profile, higher than the current one' }),
          centralSystemRootCertificate: Type.Optional(Type.String({ minLength: 1, maxLength: 5500, description: 'PEM certificate to install as CentralSystemRootCertificate before the change' })),
          reset: Type.Optional(Type.Union([Type.Literal('Hard'), Type.Literal('Soft'), Type.Literal('None')], { description: 'Reset after Accepted (default Hard, as OCTT TC_083 does)' })),
        },
        { additionalProperties: false },
      ),
      response: { 200: SecurityFlowBody, ...errors },
    },
  }, async (req) => toFlow(await mapped(() => flows().upgradeProfile(req.params.id, req.body))));

  api.get('/stations/:id/security-flows', {
    schema: {
      tags,
      summary: 'The station\'s password rotations and security profile upgrades, newest first',
      params: IdParam,
      querystring: PageQuery,
      response: { 200: Page(SecurityFlowBody), 404: Type.Ref('ErrorBody'), ...standardErrors },
    },
  }, async (req) => {
    const { limit = 50, offset = 0 } = req.query;
    if (!(await ctx.services.stations.get(req.params.id))) throw new StationNotFoundError(req.params.id);
    const page = await flows().listPage(req.params.id, { limit, offset });
    return { items: page.items.map(toFlow), total: page.total, limit, offset };
  });
}
