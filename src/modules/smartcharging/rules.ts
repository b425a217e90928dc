// The rules a SetChargingProfile must satisfy before Plugboard sends it. Pure: the caller gives
// the station's limits, its running transaction and what it has installed. Each rule returns
// the reason, for a 400 that says what is wrong and where the spec says so.
import { profilesAfterInstall } from './installed.ts';
import { MAX_OCPP_INT, type ChargingProfile, type InstalledProfile, type StationChargingLimits } from './types.ts';

export interface SetProfileContext {
  limits: StationChargingLimits;
  /** the transaction running on the target connector (newest if several), null when none */
  activeTransactionId: number | null;
  installed: readonly InstalledProfile[];
}

const RATE_UNIT_NAMES = { A: 'Current', W: 'Power' } as const;

/** Rules on the schedule alone (also what RemoteStartTransaction's profile must satisfy). */
export function scheduleViolation(profile: ChargingProfile): string | null {
  const s = profile.chargingSchedule;
  const periods = s.chargingSchedulePeriod;
  if (periods.length === 0) return 'chargingSchedule.chargingSchedulePeriod must have at least one period (OCPP 1.6 §7.13)';
  if (periods[0].startPeriod !== 0) return `the first period must start at 0, not ${periods[0].startPeriod} (OCPP 1.6 §7.14: startPeriod of the first period is 0)`;
  for (let i = 1; i < periods.length; i++) {
    if (periods[i].startPeriod <= periods[i - 1].startPeriod) {
      return `period startPeriods must increase: period ${i} starts at ${periods[i].startPeriod}, not after ${periods[i - 1].startPeriod} (OCPP 1.6 §7.13)`;
    }
  }
  for (const [i, p] of periods.entries()) {
    if (p.limit < 0) return `period ${i} has a negative limit ${p.limit}: OCPP 1.6 limits charging only (§7.14)`;
    if (p.numberPhases !== undefined && (p.numberPhases < 1 || p.numberPhases > 3)) return `period ${i} has numberPhases ${p.numberPhases}; it must be 1, 2 or 3 (§7.14)`;
  }
  if (s.duration !== undefined && s.duration < 0) return `chargingSchedule.duration must not be negative (got ${s.duration})`;
  if (s.minChargingRate !== undefined && s.minChargingRate < 0) return `chargingSchedule.minChargingRate must not be negative (got ${s.minChargingRate})`;
  // §7.13: startSchedule is the start of an absolute schedule; a Relative one starts with the
  // transaction (OCTT TC_057/TC_059 check that it is omitted).
  if (profile.chargingProfileKind === 'Relative' && s.startSchedule !== undefined) return 'a Relative profile has no startSchedule: its schedule starts with the transaction (OCPP 1.6 §7.10, §7.13)';
  if (profile.chargingProfileKind === 'Recurring') {
    // §7.10/§7.11: a recurring schedule restarts from startSchedule every day or week; without
    // either, a charger has nothing to repeat from.
    if (!profile.recurrencyKind) return 'a Recurring profile needs recurrencyKind (Daily or Weekly) (OCPP 1.6 §7.8)';
    if (!s.startSchedule) return 'a Recurring profile needs chargingSchedule.startSchedule, the point its recurrence counts from (OCPP 1.6 §7.13)';
  }
  if (profile.validFrom && profile.validTo && Date.parse(profile.validFrom) >= Date.parse(profile.validTo)) {
    return `validFrom (${profile.validFrom}) must be before validTo (${profile.validTo})`;
  }
  return null;
}

/** The first rule `SetChargingProfile(connectorId, profile)` breaks, or null. */
export function setChargingProfileViolation(connectorId: number, profile: ChargingProfile, ctx: SetProfileContext): string | null {
  if (connectorId < 0 || connectorId > MAX_OCPP_INT) return `connectorId ${connectorId} is out of range`;
  if (profile.chargingProfileId < 0 || profile.chargingProfileId > MAX_OCPP_INT) return `chargingProfileId ${profile.chargingProfileId} is out of range (0 to ${MAX_OCPP_INT})`;
  if (profile.stackLevel < 0 || profile.stackLevel > MAX_OCPP_INT) return `stackLevel ${profile.stackLevel} is out of range; the lowest level is 0 (OCPP 1.6 §7.8)`;
  switch (profile.chargingProfilePurpose) {
    case 'ChargePointMaxProfile':
      if (connectorId !== 0) return `a ChargePointMaxProfile can only be set on connectorId 0, not ${connectorId} (OCPP 1.6 §7.9)`;
      break;
    case 'TxProfile':
      if (connectorId === 0) return 'a TxProfile can only be set on a connector (connectorId > 0) (OCPP 1.6 §7.9)';
      // §5.16: "If there is no transaction active on the connector specified in a charging
      // profile of type TxProfile, then the Charge Point SHALL discard it".
      if (ctx.activeTransactionId === null) return `connector ${connectorId} has no active transaction: a TxProfile applies to a running transaction only (OCPP 1.6 §5.16)`;
      if (profile.transactionId !== undefined && profile.transactionId !== ctx.activeTransactionId) {
        return `transactionId ${profile.transactionId} is not the transaction running on connector ${connectorId} (${ctx.activeTransactionId})`;
      }
      break;
    case 'TxDefaultProfile':
      break;
  }
  if (profile.transactionId !== undefined && profile.chargingProfilePurpose !== 'TxProfile') {
    return `transactionId is only valid in a TxProfile, not in a ${profile.chargingProfilePurpose} (OCPP 1.6 §7.8)`;
  }
  const schedule = scheduleViolation(profile);
  if (schedule) return schedule;

  const { limits } = ctx;
  if (limits.maxStackLevel !== null && profile.stackLevel > limits.maxStackLevel) {
    return `stackLevel ${profile.stackLevel} is above the station's ChargeProfileMaxStackLevel (${limits.maxStackLevel})`;
  }
  const periods = profile.chargingSchedule.chargingSchedulePeriod.length;
  if (limits.maxPeriods !== null && periods > limits.maxPeriods) {
    return `${periods} periods are more than the station's ChargingScheduleMaxPeriods (${limits.maxPeriods})`;
  }
  const unit = profile.chargingSchedule.chargingRateUnit;
  if (limits.allowedRateUnits !== null && !limits.allowedRateUnits.includes(unit)) {
    return `chargingRateUnit ${unit} (${RATE_UNIT_NAMES[unit]}) is not in the station's ChargingScheduleAllowedChargingRateUnit (${limits.allowedRateUnits.map((u) => RATE_UNIT_NAMES[u]).join(',') || 'none'})`;
  }
  if (limits.maxProfilesInstalled !== null) {
    const after = profilesAfterInstall(ctx.installed, { connectorId, profile }).length;
    if (after > limits.maxProfilesInstalled) return `the station would hold ${after} profiles, more than its MaxChargingProfilesInstalled (${limits.maxProfilesInstalled})`;
  }
  return null;
}
