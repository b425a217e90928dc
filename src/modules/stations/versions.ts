// A station's allowed OCPP versions (stations.ocpp_versions, migration 0013): stored
// comma-separated in Plugboard's order, null = whatever the ocpp.versions setting allows.
import { OCPP_VERSIONS, type OcppVersion } from '../../protocol/versions.ts';

/** stations.ocpp_versions as stored (comma-separated, Plugboard's order), or null. */
export function encodeOcppVersions(versions: readonly OcppVersion[] | null | undefined): string | null {
  if (versions === null || versions === undefined) return null;
  return OCPP_VERSIONS.filter((v) => versions.includes(v)).join(',');
}

/** The allowed versions a stations.ocpp_versions value names; null = those of ocpp.versions. */
export function decodeOcppVersions(column: string | null): OcppVersion[] | null {
  if (column === null) return null;
  const named = column.split(',').map((v) => v.trim());
  return OCPP_VERSIONS.filter((v) => named.includes(v));
}
