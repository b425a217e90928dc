// Plugboard's model of what a station holds: which installed profiles a new one replaces and
// which ones a ClearChargingProfile removes. Pure.
import type { ClearChargingProfileRequest, InstalledProfile } from './types.ts';

/**
 * Whether installing `incoming` removes `existing` (OCPP 1.6 §5.16 / §3.13.2): the same
 * chargingProfileId anywhere on the station; or the same purpose and stackLevel on the same
 * connector. A TxDefaultProfile on connector 0 replaces that stack level on every connector;
 * one on a connector > 0 replaces connector 0's only for that connector (errata 3.53), which
 * the composite computation applies, so connector 0's stays installed.
 */
export function replaces(incoming: InstalledProfile, existing: InstalledProfile): boolean {
  const a = incoming.profile;
  const b = existing.profile;
  if (a.chargingProfileId === b.chargingProfileId) return true;
  if (a.chargingProfilePurpose !== b.chargingProfilePurpose || a.stackLevel !== b.stackLevel) return false;
  if (incoming.connectorId === existing.connectorId) return true;
  return a.chargingProfilePurpose === 'TxDefaultProfile' && incoming.connectorId === 0;
}

/** What the station holds after accepting `incoming`. */
export function profilesAfterInstall(installed: readonly InstalledProfile[], incoming: InstalledProfile): InstalledProfile[] {
  return [...installed.filter((p) => !replaces(incoming, p)), incoming];
}

/**
 * Whether ClearChargingProfile `req` removes `p` (§5.5): by id alone when an id is given;
 * otherwise every profile matching all the criteria given (connectorId 0 = the profiles of
 * the charge point as a whole); no field at all = every profile.
 */
export function clearMatches(req: ClearChargingProfileRequest, p: InstalledProfile): boolean {
  if (req.id !== undefined) return p.profile.chargingProfileId === req.id;
  if (req.connectorId !== undefined && p.connectorId !== req.connectorId) return false;
  if (req.chargingProfilePurpose !== undefined && p.profile.chargingProfilePurpose !== req.chargingProfilePurpose) return false;
  if (req.stackLevel !== undefined && p.profile.stackLevel !== req.stackLevel) return false;
  return true;
}
