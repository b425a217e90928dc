// Queries of the certificates module's tables (certificate_requests, issued_certificates,
// revoked_certificates, installed_certificates). Nothing else.
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { CertificateRequestsTable, Database, InstalledCertificatesTable, IssuedCertificatesTable, RevokedCertificatesTable } from '../../db/schema.ts';

type Exec = Kysely<Database>;
export type CertificateRequest = Selectable<CertificateRequestsTable>;
export type IssuedCertificate = Selectable<IssuedCertificatesTable>;
export type Revocation = Selectable<RevokedCertificatesTable>;
export type InstalledCertificate = Selectable<InstalledCertificatesTable>;
export type CertificateType = InstalledCertificatesTable['certificate_type'];

export async function insertRequest(db: Exec, row: Insertable<CertificateRequestsTable>): Promise<number> {
  const r = await db.insertInto('certificate_requests').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

export function getRequest(db: Exec, id: number): Promise<CertificateRequest | undefined> {
  return db.selectFrom('certificate_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

export function updateRequest(db: Exec, id: number, set: Updateable<CertificateRequestsTable>) {
  return db.updateTable('certificate_requests').set(set).where('id', '=', id).executeTakeFirst();
}

export function listRequests(db: Exec, f: { stationId?: string; status?: CertificateRequest['status']; limit: number }): Promise<CertificateRequest[]> {
  let q = db.selectFrom('certificate_requests').selectAll();
  if (f.stationId !== undefined) q = q.where('station_id', '=', f.stationId);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  return q.orderBy('id', 'desc').limit(f.limit).execute();
}

export async function insertIssued(db: Exec, row: Insertable<IssuedCertificatesTable>): Promise<number> {
  const r = await db.insertInto('issued_certificates').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

export function getIssued(db: Exec, id: number): Promise<IssuedCertificate | undefined> {
  return db.selectFrom('issued_certificates').selectAll().where('id', '=', id).executeTakeFirst();
}

export function issuedByFingerprint(db: Exec, fingerprint256: string): Promise<IssuedCertificate[]> {
  return db.selectFrom('issued_certificates').selectAll().where('fingerprint256', '=', fingerprint256).execute();
}

export function issuedBySerial(db: Exec, serialNumber: string): Promise<IssuedCertificate[]> {
  return db.selectFrom('issued_certificates').selectAll().where('serial_number', '=', serialNumber).execute();
}

export function listIssued(db: Exec, f: { stationId?: string; limit: number }): Promise<IssuedCertificate[]> {
  let q = db.selectFrom('issued_certificates').selectAll();
  if (f.stationId !== undefined) q = q.where('station_id', '=', f.stationId);
  return q.orderBy('id', 'desc').limit(f.limit).execute();
}

export function updateIssued(db: Exec, id: number, set: Updateable<IssuedCertificatesTable>) {
  return db.updateTable('issued_certificates').set(set).where('id', '=', id).executeTakeFirst();
}

/**
 * Per station, its newest unrevoked issued certificate when that one expires before `before`
 * and the station was not asked to renew it since `askedBefore`.
 */
export async function expiringLatest(db: Exec, before: string, askedBefore: string): Promise<IssuedCertificate[]> {
  const rows = await db
    .selectFrom('issued_certificates as c')
    .selectAll('c')
    .where('c.revoked_at', 'is', null)
    .where('c.not_after', '<', before)
    .where((eb) => eb.or([eb('c.renewal_requested_at', 'is', null), eb('c.renewal_requested_at', '<', askedBefore)]))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('issued_certificates as n')
            .select('n.id')
            .whereRef('n.station_id', '=', 'c.station_id')
            .whereRef('n.id', '>', 'c.id')
            .where('n.revoked_at', 'is', null),
        ),
      ),
    )
    .orderBy('c.id')
    .limit(1000)
    .execute();
  return rows;
}

export async function insertRevocation(db: Exec, row: Insertable<RevokedCertificatesTable>): Promise<number> {
  const r = await db.insertInto('revoked_certificates').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

export function allRevocations(db: Exec): Promise<Revocation[]> {
  return db.selectFrom('revoked_certificates').selectAll().orderBy('id').execute();
}

export function listInstalled(db: Exec, stationId: string): Promise<InstalledCertificate[]> {
  return db.selectFrom('installed_certificates').selectAll().where('station_id', '=', stationId).orderBy('certificate_type').orderBy('id').execute();
}

export function getInstalled(db: Exec, stationId: string, id: number): Promise<InstalledCertificate | undefined> {
  return db.selectFrom('installed_certificates').selectAll().where('station_id', '=', stationId).where('id', '=', id).executeTakeFirst();
}

export function installedOfType(db: Exec, stationId: string, type: CertificateType): Promise<InstalledCertificate[]> {
  return db.selectFrom('installed_certificates').selectAll().where('station_id', '=', stationId).where('certificate_type', '=', type).orderBy('id').execute();
}

export async function insertInstalled(db: Exec, row: Insertable<InstalledCertificatesTable>): Promise<number> {
  const r = await db.insertInto('installed_certificates').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

export function updateInstalled(db: Exec, id: number, set: Updateable<InstalledCertificatesTable>) {
  return db.updateTable('installed_certificates').set(set).where('id', '=', id).executeTakeFirst();
}

export function deleteInstalled(db: Exec, ids: number[]) {
  if (ids.length === 0) return Promise.resolve();
  return db.deleteFrom('installed_certificates').where('id', 'in', ids).execute();
}
