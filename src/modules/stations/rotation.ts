// Credential flows of a station (issue 11, Security Whitepaper A01 and A05, ADR 0012):
//
// - password rotation: Plugboard generates a strong password (or takes the operator's), keeps
//   its hash as the pending password, sends ChangeConfiguration AuthorizationKey. From then on
//   the charger may connect with the new password beside the old one; when it has connected
//   with the new one, that becomes the password and the old one is refused. Accepted: the live
//   connection (which used the old password) is closed so that the charger reconnects with the
//   new one. Rejected / NotSupported / an error: the pending password is dropped, the old stays.
//   No answer in time: both stay valid (the charger may have switched).
// - security profile upgrade: checks the prerequisites, optionally installs a
//   CentralSystemRootCertificate, sends ChangeConfiguration SecurityProfile=target; Accepted:
//   the station's profile is raised at once (a connection at a lower profile is refused from
//   then on, A05.FR.09), a Reset is sent (Hard by default, as in OCTT TC_083) and the live
//   connection closed; the flow is Completed when the charger has connected again.
//
// ChangeConfiguration of AuthorizationKey or SecurityProfile through any other route (generic,
// bulk, friendly endpoint) is refused by guardCredentialCommand in stations.sendCommand.
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../../context.ts';
import type { SecurityFlowsTable, Station } from '../../db/schema.ts';
import type { Selectable } from 'kysely';
import { hashSecret, verifySecret } from '../../secrets.ts';
import { redact, rememberSecret } from '../../redact.ts';
import { RpcTimeoutError } from '../../protocol/index.ts';
import * as store from './store.ts';
import { InvalidCommandError, StationNotFoundError } from './service.ts';
import { MAX_STATION_PASSWORD_LENGTH } from './password-rules.ts';

export type SecurityFlow = Selectable<SecurityFlowsTable>;

/** The origin the flows pass to sendCommand: the only one allowed to set AuthorizationKey / SecurityProfile. */
export const CREDENTIAL_FLOW_ORIGIN = 'credential-flow';

/** Bytes of randomness in a generated password, written as hex: as long as a station password may be (40 characters, 160 bits). */
export const GENERATED_PASSWORD_BYTES = MAX_STATION_PASSWORD_LENGTH / 2;

/** The flow cannot start (state of the station or of the configuration); nothing was sent. */
export class CredentialFlowConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialFlowConflictError';
  }
}

/**
 * Refuses a ChangeConfiguration of AuthorizationKey or SecurityProfile that does not come from
 * the flows below: sent on its own it would leave Plugboard checking the old password (the
 * charger then refused) or the old profile (a downgrade still accepted).
 */
export function guardCredentialCommand(action: string, payload: unknown, origin: string | undefined): void {
  if (action !== 'ChangeConfiguration' || origin === CREDENTIAL_FLOW_ORIGIN) return;
  const key = String((payload as { key?: unknown } | null)?.key ?? '').toLowerCase();
  if (key === 'authorizationkey') {
    throw new InvalidCommandError(
      'AuthorizationKey is changed only through POST /api/v1/stations/{id}/password-rotation, which keeps the password Plugboard checks in step with the charger; nothing was sent',
    );
  }
  if (key === 'securityprofile') {
    throw new InvalidCommandError(
      'SecurityProfile is changed only through POST /api/v1/stations/{id}/security-profile-upgrade, which checks the prerequisites and raises the profile Plugboard enforces; nothing was sent',
    );
  }
}

export function generatePassword(): string {
  return randomBytes(GENERATED_PASSWORD_BYTES).toString('hex');
}

/** WebSocket close code for a connection whose credentials changed (1000: a normal close; the charger reconnects). */
export const CREDENTIALS_CHANGED_CODE = 1000;

const OPEN_ROTATION = ['Sending', 'Accepted', 'Unanswered'] as const;

export function createCredentialFlows(ctx: AppContext) {
  const db = ctx.db;
  const stations = () => ctx.services.stations;
  const iso = () => ctx.now().toISOString();
  /** stations with a flow being started in this process: one at a time per station */
  const starting = new Set<string>();
  /** stations with an Accepted profile upgrade waiting for the reconnect (loaded once, then kept) */
  let awaitingReconnect: Set<string> | null = null;

  async function loadAwaiting(): Promise<Set<string>> {
    if (awaitingReconnect) return awaitingReconnect;
    const rows = await db.kysely.selectFrom('security_flows').select('station_id').where('kind', '=', 'profile-upgrade').where('status', '=', 'Accepted').execute();
    awaitingReconnect ??= new Set(rows.map((r) => r.station_id));
    return awaitingReconnect;
  }

  async function insertFlow(row: Omit<SecurityFlow, 'id'>): Promise<number> {
    return db.write(async (trx) => {
      const r = await trx.insertInto('security_flows').values(row).returning('id').executeTakeFirstOrThrow();
      return Number(r.id);
    });
  }

  async function finish(id: number, patch: Partial<Omit<SecurityFlow, 'id'>>, onlyIf?: SecurityFlow['status'][]): Promise<void> {
    await db.write((trx) => {
      let q = trx.updateTable('security_flows').set({ ...patch, updated_at: iso() }).where('id', '=', id);
      if (onlyIf) q = q.where('status', 'in', onlyIf);
      return q.execute();
    });
  }

  function get(id: number): Promise<SecurityFlow> {
    return db.kysely.selectFrom('security_flows').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  /** What went wrong sending a command, as the flow records it. */
  function failure(err: unknown): Pick<SecurityFlow, 'status' | 'detail'> {
    if (err instanceof RpcTimeoutError) return { status: 'Unanswered', detail: 'no answer in time: the charger may still apply it' };
    // The API shows the detail to read-only keys: a charger's error text may echo the password.
    return { status: 'Failed', detail: redact((err as Error)?.message ?? String(err)) };
  }

  /** The station, its live connection and profile; `check` (what the station must be) runs first. */
  async function begin(stationId: string, check: (station: Station, profile: number) => void) {
    const station = await stations().get(stationId);
    if (!station) throw new StationNotFoundError(stationId);
    const profile = station.security_profile ?? ctx.config.ocpp.defaultSecurityProfile;
    check(station, profile);
    // The connection that uses the current credentials: closed once the charger took the new ones
    // (only this one: the charger may already be back on a new connection by then).
    const connection = stations().liveConnection(stationId);
    if (!connection) throw new CredentialFlowConflictError(`station ${stationId} is not connected: the charger must be online to be told; nothing was sent`);
    if (starting.has(stationId)) throw new CredentialFlowConflictError(`a password rotation or profile upgrade of station ${stationId} is under way; wait for its answer`);
    return { station, connection, profile };
  }

  const flows = {
    /**
     * A1 password rotation. Returns the flow and, when Plugboard generated it, the new password
     * (shown once: the charger got it over OCPP; the operator needs it only to re-provision).
     */
    async rotatePassword(stationId: string, opts: { password?: string } = {}): Promise<{ flow: SecurityFlow; password?: string }> {
      const { profile, connection } = await begin(stationId, (_s, profile) => {
        if (profile === 0) throw new CredentialFlowConflictError(`station ${stationId} is at security profile 0 and uses no password: upgrade it to profile 1 first (POST /api/v1/stations/{id}/security-profile-upgrade)`);
        if (profile >= 3) throw new CredentialFlowConflictError(`station ${stationId} is at security profile 3 and authenticates with its client certificate, not a password`);
      });
      starting.add(stationId);
      try {
        const password = opts.password ?? generatePassword();
        rememberSecret(password);
        const hash = await hashSecret(password);
        const at = iso();
        const id = await db.write(async (trx) => {
          // A rotation still waiting for the charger gives way to this one: its password is dropped.
          await trx.updateTable('security_flows')
            .set({ status: 'Superseded', pending_password_hash: null, detail: 'a newer password rotation started', updated_at: at, completed_at: at })
            .where('station_id', '=', stationId).where('kind', '=', 'password-rotation').where('status', 'in', [...OPEN_ROTATION])
            .execute();
          const r = await trx.insertInto('security_flows').values({
            station_id: stationId, kind: 'password-rotation', status: 'Sending', from_profile: profile, target_profile: null,
            pending_password_hash: hash, pending_since: at, charger_status: null, detail: null, created_at: at, updated_at: at, completed_at: null,
          }).returning('id').executeTakeFirstOrThrow();
          return Number(r.id);
        });
        try {
          const res = await stations().sendCommand(stationId, 'ChangeConfiguration', { key: 'AuthorizationKey', value: password }, { origin: CREDENTIAL_FLOW_ORIGIN });
          if (res.status === 'Accepted' || res.status === 'RebootRequired') {
            await finish(id, { status: 'Accepted', charger_status: res.status, detail: res.status === 'RebootRequired' ? 'the charger applies the new password after a reboot; the old one stays valid until it reconnects with the new one' : 'waiting for the charger to reconnect with the new password; the old one stays valid until then' }, ['Sending']);
            // The connection that used the old password goes, so that the charger reconnects with the new one.
            connection.close(CREDENTIALS_CHANGED_CODE, 'password changed: reconnect with the new AuthorizationKey');
          } else {
            await finish(id, { status: res.status, charger_status: res.status, pending_password_hash: null, completed_at: iso(), detail: 'the charger keeps its password; the old one stays valid' }, ['Sending']);
          }
        } catch (err) {
          ctx.log.warn({ err, stationId }, 'password rotation: ChangeConfiguration AuthorizationKey failed');
          const f = failure(err);
          await finish(id, { ...f, ...(f.status === 'Failed' ? { pending_password_hash: null, completed_at: iso() } : {}) }, ['Sending']);
        }
        const flow = await get(id);
        return { flow, ...(opts.password === undefined && flow.status !== 'Failed' && flow.status !== 'Rejected' && flow.status !== 'NotSupported' ? { password } : {}) };
      } finally {
        starting.delete(stationId);
      }
    },

    /**
     * The charger presented a password that is not its current one: is it the pending one of an
     * open rotation? Then it becomes the password (the old one is refused from now on).
     */
    async verifyPending(stationId: string, password: Buffer, check: (hash: string) => Promise<boolean> = (hash) => verifySecret(password, hash)): Promise<boolean> {
      const rows = await db.kysely.selectFrom('security_flows').select(['id', 'pending_password_hash'])
        .where('station_id', '=', stationId).where('kind', '=', 'password-rotation').where('status', 'in', [...OPEN_ROTATION])
        .orderBy('id', 'desc').execute();
      for (const row of rows) {
        if (!row.pending_password_hash || !(await check(row.pending_password_hash))) continue;
        await stations().setPassword(stationId, password.toString('utf8'));
        const at = iso();
        await finish(Number(row.id), { status: 'Completed', pending_password_hash: null, completed_at: at, detail: 'the charger connected with the new password; the old one is refused' });
        ctx.log.info({ stationId }, 'password rotation completed: the charger connected with the new password');
        return true;
      }
      return false;
    },

    /** An operator set the password directly: an open rotation's pending password is dropped. */
    async supersede(stationId: string, why: string): Promise<void> {
      const at = iso();
      await db.write((trx) => trx.updateTable('security_flows')
        .set({ status: 'Superseded', pending_password_hash: null, detail: why, updated_at: at, completed_at: at })
        .where('station_id', '=', stationId).where('kind', '=', 'password-rotation').where('status', 'in', [...OPEN_ROTATION])
        .execute());
    },

    /** A5 security profile upgrade. */
    async upgradeProfile(stationId: string, opts: { targetProfile: number; centralSystemRootCertificate?: string; reset?: 'Hard' | 'Soft' | 'None' }): Promise<SecurityFlow> {
      const target = opts.targetProfile;
      const tls = ctx.config.ocpp.tls;
      const security = ctx.config.ocpp.security;
      const behindProxy = security.trustedProxies.length > 0;
      const { profile, connection } = await begin(stationId, (station, profile) => {
        if (target <= profile) throw new CredentialFlowConflictError(`station ${stationId} is at security profile ${profile}: a profile is only raised (no downgrade), so the target must be ${profile + 1} to 3`);
        if (target <= 2 && !station.password_hash) {
          throw new CredentialFlowConflictError(`security profile ${target} uses HTTP Basic auth but station ${stationId} has no password: set one first (PATCH /api/v1/stations/{id} with the charger's AuthorizationKey)`);
        }
        // TLS ends at Plugboard's listener, or at a trusted proxy (ocpp.security, src/modules/tls).
        if (target >= 2 && !tls && !behindProxy) {
          throw new CredentialFlowConflictError(`security profile ${target} needs TLS: configure the TLS listener (ocpp.tls: certFile, keyFile) or the TLS-terminating proxies (ocpp.security.trustedProxies) first`);
        }
        // Client certificates reach Plugboard (its listener asks for them, or a trusted proxy forwards
        // them) and some CA is trusted for them: ocpp.tls.caFile, or the built-in CA (src/modules/tls).
        const receivesCertificates = tls?.requestClientCert === true || (behindProxy && security.clientCertHeader !== null);
        if (target === 3 && (!receivesCertificates || ctx.services.tls.trustedCas().length === 0)) {
          throw new CredentialFlowConflictError('security profile 3 needs client certificates: set ocpp.tls.requestClientCert (or ocpp.security.clientCertHeader behind a trusted proxy) and trust a CA for them (ocpp.tls.caFile, or the built-in CA of certificates.signer "builtin"), first');
        }
      });
      starting.add(stationId);
      try {
        const at = iso();
        const id = await insertFlow({
          station_id: stationId, kind: 'profile-upgrade', status: 'Sending', from_profile: profile, target_profile: target,
          pending_password_hash: null, pending_since: null, charger_status: null, detail: null, created_at: at, updated_at: at, completed_at: null,
        });
        try {
          if (opts.centralSystemRootCertificate) {
            const installed = await stations().sendCommand(stationId, 'InstallCertificate', { certificateType: 'CentralSystemRootCertificate', certificate: opts.centralSystemRootCertificate }, { origin: CREDENTIAL_FLOW_ORIGIN });
            if (installed.status !== 'Accepted') {
              await finish(id, { status: 'Failed', charger_status: installed.status, detail: `InstallCertificate CentralSystemRootCertificate answered ${installed.status}: the profile was not changed`, completed_at: iso() });
              return get(id);
            }
          }
          const res = await stations().sendCommand(stationId, 'ChangeConfiguration', { key: 'SecurityProfile', value: String(target) }, { origin: CREDENTIAL_FLOW_ORIGIN });
          if (res.status !== 'Accepted' && res.status !== 'RebootRequired') {
            await finish(id, { status: res.status, charger_status: res.status, detail: `the charger stays at profile ${profile}`, completed_at: iso() });
            return get(id);
          }
          // A05.FR.09: from now on a connection at a lower profile is refused.
          await db.write((trx) => store.updateStation(trx, stationId, { security_profile: target, updated_at: iso() }));
          (await loadAwaiting()).add(stationId);
          await finish(id, { status: 'Accepted', charger_status: res.status, detail: `profile ${target} is enforced; waiting for the charger to reconnect` });
          const reset = opts.reset ?? 'Hard';
          if (reset !== 'None') {
            try {
              await stations().sendCommand(stationId, 'Reset', { type: reset }, { origin: CREDENTIAL_FLOW_ORIGIN });
            } catch (err) {
              ctx.log.warn({ err, stationId }, 'Reset after a security profile upgrade failed; closing the connection instead');
            }
          }
          connection.close(CREDENTIALS_CHANGED_CODE, `security profile raised to ${target}: reconnect with the new profile`);
        } catch (err) {
          await finish(id, { ...failure(err), completed_at: iso() }, ['Sending']);
        }
        return get(id);
      } finally {
        starting.delete(stationId);
      }
    },

    /** A charger connected (it passed authenticate at its stored profile): an upgrade waiting for that is done. */
    onConnected(stationId: string): void {
      if (awaitingReconnect && !awaitingReconnect.has(stationId)) return;
      void (async () => {
        const awaiting = await loadAwaiting();
        if (!awaiting.has(stationId)) return;
        awaiting.delete(stationId);
        const at = iso();
        await db.write((trx) => trx.updateTable('security_flows')
          .set({ status: 'Completed', detail: 'the charger reconnected with the new profile', updated_at: at, completed_at: at })
          .where('station_id', '=', stationId).where('kind', '=', 'profile-upgrade').where('status', '=', 'Accepted')
          .execute());
      })().catch((err) => ctx.log.error({ err, stationId }, 'recording a completed profile upgrade failed'));
    },

    async listPage(stationId: string, page: { limit: number; offset: number }): Promise<{ items: SecurityFlow[]; total: number }> {
      const base = db.kysely.selectFrom('security_flows').where('station_id', '=', stationId);
      const [items, total] = await Promise.all([
        base.selectAll().orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute(),
        base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { items, total: Number(total.n) };
    },
  };
  return flows;
}

export type CredentialFlowsService = ReturnType<typeof createCredentialFlows>;
