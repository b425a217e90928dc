// A station's smart charging limits from its configuration keys (OCPP 1.6 §9.4). Pure.
import type { CentralToCharger } from '../../protocol/ocpp16.ts';
import type { RateUnit, StationChargingLimits } from './types.ts';

export const LIMIT_KEYS = ['ChargeProfileMaxStackLevel', 'ChargingScheduleMaxPeriods', 'ChargingScheduleAllowedChargingRateUnit', 'MaxChargingProfilesInstalled'] as const;

function nonNegativeInteger(value: string | undefined): number | null {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

/** "Current,Power" (§9.4: a CSL of Current and Power) as units; unknown words are ignored. */
export function parseRateUnits(value: string | undefined): RateUnit[] | null {
  if (value === undefined) return null;
  const units = new Set<RateUnit>();
  for (const word of value.split(',').map((w) => w.trim().toLowerCase())) {
    if (word === 'current' || word === 'a') units.add('A');
    else if (word === 'power' || word === 'w') units.add('W');
  }
  return [...units];
}

/** What a GetConfiguration answer says; a key the station does not report stays unknown (null). */
export function limitsFromConfiguration(res: CentralToCharger['GetConfiguration']['res']): StationChargingLimits {
  const value = (key: string) => res.configurationKey?.find((k) => k.key === key)?.value;
  return {
    maxStackLevel: nonNegativeInteger(value('ChargeProfileMaxStackLevel')),
    maxPeriods: nonNegativeInteger(value('ChargingScheduleMaxPeriods')),
    allowedRateUnits: parseRateUnits(value('ChargingScheduleAllowedChargingRateUnit')),
    maxProfilesInstalled: nonNegativeInteger(value('MaxChargingProfilesInstalled')),
  };
}
