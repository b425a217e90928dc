// The shapes the smart charging module works with: OCPP 1.6 charging profiles (types from the
// official schemas) and a profile as a station holds it (on which connector).
import type { CentralToCharger } from '../../protocol/ocpp16.ts';

export type ChargingProfile = CentralToCharger['SetChargingProfile']['req']['csChargingProfiles'];
export type ChargingSchedule = ChargingProfile['chargingSchedule'];
export type ChargingSchedulePeriod = ChargingSchedule['chargingSchedulePeriod'][number];
export type ChargingProfilePurpose = ChargingProfile['chargingProfilePurpose'];
export type ChargingProfileKind = ChargingProfile['chargingProfileKind'];
export type RateUnit = ChargingSchedule['chargingRateUnit'];
export type ClearChargingProfileRequest = CentralToCharger['ClearChargingProfile']['req'];

/** A profile installed on a station, on one connector (0 = the charge point as a whole). */
export interface InstalledProfile {
  connectorId: number;
  profile: ChargingProfile;
}

/**
 * What a station accepts, from its configuration keys (OCPP 1.6 §9.4). null = not known, so
 * not enforced.
 */
export interface StationChargingLimits {
  /** ChargeProfileMaxStackLevel */
  maxStackLevel: number | null;
  /** ChargingScheduleMaxPeriods */
  maxPeriods: number | null;
  /** ChargingScheduleAllowedChargingRateUnit, as units */
  allowedRateUnits: RateUnit[] | null;
  /** MaxChargingProfilesInstalled */
  maxProfilesInstalled: number | null;
}

export const UNKNOWN_LIMITS: StationChargingLimits = { maxStackLevel: null, maxPeriods: null, allowedRateUnits: null, maxProfilesInstalled: null };

/** OCPP integers Plugboard stores as int4 and chargers commonly hold in 32 bits. */
export const MAX_OCPP_INT = 2_147_483_647;
