// TypeBox schemas of the smart charging endpoints: OCPP 1.6 charging profiles (§7.8-7.14) as
// the API takes and shows them, the installed-profile view and composite schedules.
import { Type } from 'typebox';
import { DateTime, Nullable } from '../../http/list-query.ts';
import { BoundedInteger, BoundedNumber } from '../../http/schemas.ts';
import { MAX_OCPP_INT } from './types.ts';

const OcppInt = (description?: string, minimum = 0) => Type.Integer({ minimum, maximum: MAX_OCPP_INT, ...(description ? { description } : {}) });
export const RateUnit = Type.Union([Type.Literal('A'), Type.Literal('W')], { description: 'A (amperes per phase) or W (watts)' });
export const Purpose = Type.Union([Type.Literal('ChargePointMaxProfile'), Type.Literal('TxDefaultProfile'), Type.Literal('TxProfile')]);
const Kind = Type.Union([Type.Literal('Absolute'), Type.Literal('Recurring'), Type.Literal('Relative')]);

export const ChargingSchedulePeriod = Type.Object(
  {
    startPeriod: Type.Integer({ minimum: 0, description: 'seconds from the start of the schedule; the first period starts at 0' }),
    limit: Type.Number({ minimum: 0, description: 'in the schedule\'s chargingRateUnit, one decimal at most' }),
    numberPhases: Type.Optional(Type.Integer({ minimum: 1, maximum: 3, description: 'default 3' })),
  },
  { additionalProperties: false },
);

export const ChargingProfile = Type.Object(
  {
    chargingProfileId: OcppInt(),
    transactionId: Type.Optional(OcppInt('TxProfile only; Plugboard fills in the transaction running on the connector when absent', 1)),
    stackLevel: OcppInt('0 is the lowest; the highest valid level wins'),
    chargingProfilePurpose: Purpose,
    chargingProfileKind: Kind,
    recurrencyKind: Type.Optional(Type.Union([Type.Literal('Daily'), Type.Literal('Weekly')])),
    validFrom: Type.Optional(DateTime()),
    validTo: Type.Optional(DateTime()),
    chargingSchedule: Type.Object(
      {
        duration: Type.Optional(Type.Integer({ minimum: 0, description: 'seconds; absent: the last period lasts indefinitely' })),
        startSchedule: Type.Optional(DateTime('Absolute and Recurring: when second 0 of the schedule is')),
        chargingRateUnit: RateUnit,
        chargingSchedulePeriod: Type.Array(ChargingSchedulePeriod, { minItems: 1 }),
        minChargingRate: Type.Optional(Type.Number({ minimum: 0 })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, title: 'ChargingProfile', description: 'an OCPP 1.6 csChargingProfiles object' },
);

export const SetProfileBody = Type.Object(
  { connectorId: OcppInt('0 = the charge point as a whole (ChargePointMaxProfile, or a TxDefaultProfile for every connector)'), csChargingProfiles: ChargingProfile },
  { additionalProperties: false },
);

export const ClearBody = Type.Object(
  {
    id: Type.Optional(Type.Integer({ description: 'a chargingProfileId: clears that profile only (the other fields are then ignored)' })),
    connectorId: Type.Optional(Type.Integer({ minimum: 0, description: '0 = the profiles of the charge point as a whole' })),
    chargingProfilePurpose: Type.Optional(Purpose),
    stackLevel: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false, description: 'no field at all clears every profile' },
);

export const InstalledProfile = Type.Object(
  {
    connectorId: Type.Integer(),
    chargingProfileId: Type.Integer(),
    chargingProfilePurpose: Purpose,
    stackLevel: Type.Integer(),
    chargingProfileKind: Kind,
    transactionId: Nullable(Type.Integer()),
    validFrom: Nullable(DateTime()),
    validTo: Nullable(DateTime()),
    source: Type.Union([Type.Literal('SetChargingProfile'), Type.Literal('RemoteStartTransaction')], { description: 'the message that installed it' }),
    installedAt: DateTime('when the station accepted it'),
    profile: ChargingProfile,
  },
  { title: 'InstalledChargingProfile' },
);

export const CompositeSchedule = Type.Object(
  {
    connectorId: Type.Integer(),
    scheduleStart: DateTime(),
    duration: Type.Integer({ description: 'seconds' }),
    chargingRateUnit: Type.Union([Type.Literal('A'), Type.Literal('W')], {
      description:
        'the unit of every limit: the one asked for (chargingRateUnit); else the station\'s (the unit of its GetCompositeSchedule answer, ' +
        'or its ChargingScheduleAllowedChargingRateUnit when that allows one unit only); else the unit of the first limit',
    }),
    chargingSchedulePeriod: Type.Array(
      Type.Object({
        startPeriod: Type.Integer({ description: 'seconds from scheduleStart' }),
        limit: Nullable(Type.Number({ description: 'null: no profile limits this period; the station\'s own maximum applies' })),
        numberPhases: Type.Optional(Type.Integer({ description: 'the phases of the limiting period (the configured default when it gives none)' })),
        chargingProfileId: Type.Optional(Type.Integer({ description: 'the profile that sets the limit' })),
        chargingProfilePurpose: Type.Optional(Purpose),
      }),
    ),
    conversion: Nullable(
      Type.Object(
        {
          voltage: Type.Number({ description: 'supply voltage per phase (V): the voltage asked for, else smartCharging.stations.{id}.nominalVoltage, else smartCharging.nominalVoltage (230)' }),
          defaultNumberPhases: Type.Integer({ description: 'phases of a period without numberPhases (smartCharging.defaultNumberPhases, 3)' }),
        },
        { description: 'W = A × V × phases, A = W / (V × phases), rounded half up to 0.1' },
      ),
    ),
    notes: Type.Array(Type.String(), { description: 'what the computation assumed, converted or left out' }),
  },
  { title: 'ExpectedCompositeSchedule' },
);

export const Comparison = Type.Object({
  matches: Nullable(Type.Boolean({ description: 'null when the two cannot be compared (see reason)' })),
  reason: Type.Optional(Type.String()),
  differences: Type.Array(
    Type.Object({
      from: Type.Integer({ description: 'seconds from the schedule start' }),
      to: Type.Integer(),
      expected: Type.Number(),
      reported: Nullable(Type.Number()),
    }),
  ),
});

export const ScheduleQuery = Type.Object({
  connectorId: BoundedInteger({ minimum: 0, maximum: MAX_OCPP_INT, description: '0 = the whole charge point (its ChargePointMaxProfile)' }),
  duration: BoundedInteger({ minimum: 1, maximum: 31 * 86_400, description: 'seconds' }),
  chargingRateUnit: Type.Optional(RateUnit),
  voltage: Type.Optional(
    BoundedNumber({ minimum: 1, maximum: 1000, description: 'supply voltage per phase (V) for converting between A and W (W = A × V × phases); default: the configured one (smartCharging.nominalVoltage, 230, or the station\'s own)' }),
  ),
});

const LimitValue = (key: string) => Nullable(Type.Integer({ minimum: 0, description: `${key}; null = unknown, not enforced` }));
export const Limits = Type.Object(
  {
    maxStackLevel: LimitValue('ChargeProfileMaxStackLevel'),
    maxPeriods: LimitValue('ChargingScheduleMaxPeriods'),
    allowedRateUnits: Nullable(Type.Array(RateUnit, { uniqueItems: true, description: 'ChargingScheduleAllowedChargingRateUnit (Current = A, Power = W); null = unknown' })),
    maxProfilesInstalled: LimitValue('MaxChargingProfilesInstalled'),
  },
  { additionalProperties: false },
);

export const LimitsView = Type.Object({
  maxStackLevel: Nullable(Type.Integer()),
  maxPeriods: Nullable(Type.Integer()),
  allowedRateUnits: Nullable(Type.Array(RateUnit)),
  maxProfilesInstalled: Nullable(Type.Integer()),
  source: Nullable(Type.String({ description: 'charger (read with GetConfiguration, read again after its next boot), operator (set here), or null: not known yet' })),
  updatedAt: Nullable(DateTime()),
});
