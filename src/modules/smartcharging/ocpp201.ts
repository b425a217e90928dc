// Smart charging in OCPP 2.0.1 (K01-K17): translations of Plugboard's profile model (kept in its
// 1.6 spelling: connectorId n = EVSE n, 0 = the station; ChargePointMaxProfile =
// ChargingStationMaxProfile) into SetChargingProfile / ClearChargingProfile /
// GetCompositeSchedule 2.0.1 and back, and the 2.0.1 handlers the station calls
// (NotifyChargingLimit, ClearedChargingLimit, NotifyEVChargingNeeds, ReportChargingProfiles).
import type { AppContext } from '../../context.ts';
import type { OCPP20 } from 'typed-ocpp';
import type { IntentTranslation } from '../stations/service.ts';
import type { ChargingProfile, ClearChargingProfileRequest } from './types.ts';

type Profile201 = OCPP20.SetChargingProfileRequest['chargingProfile'];
type Purpose201 = Profile201['chargingProfilePurpose'];

const PURPOSE_TO_201: Record<ChargingProfile['chargingProfilePurpose'], Purpose201> = {
  ChargePointMaxProfile: 'ChargingStationMaxProfile',
  TxDefaultProfile: 'TxDefaultProfile',
  TxProfile: 'TxProfile',
};
const PURPOSE_FROM_201: Partial<Record<Purpose201, ChargingProfile['chargingProfilePurpose']>> = {
  ChargingStationMaxProfile: 'ChargePointMaxProfile',
  TxDefaultProfile: 'TxDefaultProfile',
  TxProfile: 'TxProfile',
};

const opt = <K extends string, V>(k: K, v: V | undefined): Partial<Record<K, V>> => (v === undefined ? {} : ({ [k]: v } as Record<K, V>));

/** Plugboard's profile as a 2.0.1 chargingProfile (one schedule, id = the profile's id; transactionId as the station's text). */
export function profileTo201(p: ChargingProfile): Profile201 {
  const s = p.chargingSchedule;
  return {
    id: p.chargingProfileId,
    stackLevel: p.stackLevel,
    chargingProfilePurpose: PURPOSE_TO_201[p.chargingProfilePurpose],
    chargingProfileKind: p.chargingProfileKind,
    ...opt('recurrencyKind', p.recurrencyKind),
    ...opt('validFrom', p.validFrom),
    ...opt('validTo', p.validTo),
    ...opt('transactionId', p.transactionId === undefined ? undefined : String(p.transactionId)),
    chargingSchedule: [
      {
        id: p.chargingProfileId,
        ...opt('startSchedule', s.startSchedule),
        ...opt('duration', s.duration),
        chargingRateUnit: s.chargingRateUnit,
        chargingSchedulePeriod: s.chargingSchedulePeriod.map((x) => ({ startPeriod: x.startPeriod, limit: x.limit, ...opt('numberPhases', x.numberPhases) })),
        ...opt('minChargingRate', s.minChargingRate),
      },
    ],
  } as Profile201;
}

/** A 2.0.1 chargingProfile in Plugboard's model (its first schedule; ChargingStationExternalConstraints has no 1.6 form: undefined). */
export function profileFrom201(p: Profile201, transactionId?: number): ChargingProfile | undefined {
  const purpose = PURPOSE_FROM_201[p.chargingProfilePurpose];
  const s = p.chargingSchedule[0];
  if (!purpose || !s) return undefined;
  const tx = transactionId ?? (p.transactionId !== undefined && /^\d+$/.test(p.transactionId) ? Number(p.transactionId) : undefined);
  return {
    chargingProfileId: p.id,
    ...opt('transactionId', tx),
    stackLevel: p.stackLevel,
    chargingProfilePurpose: purpose,
    chargingProfileKind: p.chargingProfileKind,
    ...opt('recurrencyKind', p.recurrencyKind),
    ...opt('validFrom', p.validFrom),
    ...opt('validTo', p.validTo),
    chargingSchedule: {
      ...opt('duration', s.duration),
      ...opt('startSchedule', s.startSchedule),
      chargingRateUnit: s.chargingRateUnit,
      chargingSchedulePeriod: s.chargingSchedulePeriod.map((x) => ({ startPeriod: x.startPeriod, limit: x.limit, ...opt('numberPhases', x.numberPhases) })),
      ...opt('minChargingRate', s.minChargingRate),
    },
  } as ChargingProfile;
}

export function setChargingProfile201(connectorId: number, profile: ChargingProfile): IntentTranslation<{ status: 'Accepted' | 'Rejected' | 'NotSupported' }> {
  return {
    action: 'SetChargingProfile',
    payload: { evseId: connectorId, chargingProfile: profileTo201(profile) } satisfies OCPP20.SetChargingProfileRequest,
    result: (res: OCPP20.SetChargingProfileResponse) => ({ status: res.status }),
  };
}

export function clearRequestTo201(req: ClearChargingProfileRequest): OCPP20.ClearChargingProfileRequest {
  const criteria = {
    ...opt('evseId', req.connectorId),
    ...opt('chargingProfilePurpose', req.chargingProfilePurpose === undefined ? undefined : PURPOSE_TO_201[req.chargingProfilePurpose]),
    ...opt('stackLevel', req.stackLevel),
  };
  return { ...opt('chargingProfileId', req.id), ...(Object.keys(criteria).length > 0 ? { chargingProfileCriteria: criteria } : {}) } as OCPP20.ClearChargingProfileRequest;
}

export function clearRequestFrom201(req: OCPP20.ClearChargingProfileRequest): ClearChargingProfileRequest {
  const c = req.chargingProfileCriteria;
  const purpose = c?.chargingProfilePurpose === undefined ? undefined : PURPOSE_FROM_201[c.chargingProfilePurpose];
  return { ...opt('id', req.chargingProfileId), ...opt('connectorId', c?.evseId), ...opt('chargingProfilePurpose', purpose), ...opt('stackLevel', c?.stackLevel) } as ClearChargingProfileRequest;
}

export function clearChargingProfile201(req: ClearChargingProfileRequest): IntentTranslation<{ status: 'Accepted' | 'Unknown' }> {
  return { action: 'ClearChargingProfile', payload: clearRequestTo201(req), result: (res: OCPP20.ClearChargingProfileResponse) => ({ status: res.status }) };
}

/** GetCompositeSchedule 2.0.1, its answer read back in the 1.6 shape the API has always shown (connectorId = evseId, chargingSchedule). */
export function getCompositeSchedule201(q: { connectorId: number; duration: number; chargingRateUnit?: 'A' | 'W' }): IntentTranslation<Record<string, any>> {
  return {
    action: 'GetCompositeSchedule',
    payload: { evseId: q.connectorId, duration: q.duration, ...opt('chargingRateUnit', q.chargingRateUnit) } satisfies OCPP20.GetCompositeScheduleRequest,
    result: (res: OCPP20.GetCompositeScheduleResponse) => {
      if (res.status !== 'Accepted' || !res.schedule) return { status: res.status };
      const s = res.schedule;
      return {
        status: 'Accepted',
        connectorId: s.evseId,
        scheduleStart: s.scheduleStart,
        chargingSchedule: { duration: s.duration, startSchedule: s.scheduleStart, chargingRateUnit: s.chargingRateUnit, chargingSchedulePeriod: s.chargingSchedulePeriod },
      };
    },
  };
}

/** The 2.0.1 calls of smart charging a station makes: answered (and logged); K11-K17. */
export function registerOcpp201(ctx: AppContext): void {
  ctx.ocpp201.on('NotifyChargingLimit', async (req, session) => {
    ctx.log.info({ stationId: session.stationId, evseId: req.evseId, source: req.chargingLimit.chargingLimitSource, gridCritical: req.chargingLimit.isGridCritical }, 'NotifyChargingLimit');
    return {};
  });
  ctx.ocpp201.on('ClearedChargingLimit', async (req, session) => {
    ctx.log.info({ stationId: session.stationId, evseId: req.evseId, source: req.chargingLimitSource }, 'ClearedChargingLimit');
    return {};
  });
  ctx.ocpp201.on('NotifyEVChargingNeeds', async (req, session) => {
    ctx.log.info({ stationId: session.stationId, evseId: req.evseId, transferMode: req.chargingNeeds.requestedEnergyTransfer }, 'NotifyEVChargingNeeds');
    return { status: 'Accepted' as const };
  });
  ctx.ocpp201.on('ReportChargingProfiles', async (req, session) => {
    ctx.log.info({ stationId: session.stationId, requestId: req.requestId, evseId: req.evseId, profiles: req.chargingProfile.length, tbc: req.tbc ?? false }, 'ReportChargingProfiles');
    return {};
  });
}
