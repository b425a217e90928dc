// The composite schedule Plugboard expects a station to apply on a connector, computed from the
// profiles it installed there with the merge rules the spec gives a charger (OCPP 1.6 §3.13.4
// "Combining Charging Profile Purposes", §7.8): pure, no I/O.
//
// At each instant:
// - within one purpose, the profile with the highest stackLevel among those in effect wins
//   (in effect: within validFrom/validTo and inside its schedule; after a schedule's duration
//   the next lower stack level applies again, §3.13.2);
// - a TxProfile (of the running transaction) overrides the TxDefaultProfiles;
// - the ChargePointMaxProfile caps the result (the minimum of the two).
// TxDefaultProfiles of connector 0 apply to every connector, except at a stack level the
// connector has its own TxDefaultProfile for (errata 3.53: "replaced only for that connector").
// Connector 0 is the grid connection: its composite is the ChargePointMaxProfile schedule.
// Profiles in the other unit are converted (W = A × V × phases) with the supply voltage given,
// phases from the period (or the default when it has none), to 0.1 in decimal arithmetic.
import { anchoredAtTransactionStart, DEFAULT_NUMBER_PHASES, profileSegments, type Segment } from './profile-segments.ts';
import type { ChargingProfile, ChargingProfilePurpose, InstalledProfile, RateUnit } from './types.ts';

export interface CompositeRequest {
  /** every profile installed on the station */
  profiles: readonly InstalledProfile[];
  connectorId: number;
  start: Date;
  /** seconds */
  duration: number;
  /** the transaction running on the connector, if any: anchors Relative profiles, selects TxProfiles */
  transaction?: { transactionId: number; startedAt: Date } | null;
  /** the unit of the result; absent: the unit of the first limit in the window */
  chargingRateUnit?: RateUnit;
  /** supply voltage per phase (V); needed to convert between A and W (absent: a limit in the other unit is left out) */
  voltage?: number;
  /** phases of a period without numberPhases (default 3, OCPP 1.6 §7.14) */
  defaultNumberPhases?: number;
}

export interface CompositePeriod {
  /** seconds from scheduleStart */
  startPeriod: number;
  /** null: no profile limits this period, so the station's own maximum applies */
  limit: number | null;
  numberPhases?: number;
  /** the profile that sets the limit */
  chargingProfileId?: number;
  chargingProfilePurpose?: ChargingProfilePurpose;
}

export interface CompositeSchedule {
  connectorId: number;
  scheduleStart: string;
  duration: number;
  chargingRateUnit: RateUnit;
  chargingSchedulePeriod: CompositePeriod[];
  /** the values used to convert limits from the other unit; null when no limit needed converting */
  conversion: { voltage: number; defaultNumberPhases: number } | null;
  /** what the computation assumed or could not do, for the operator */
  notes: string[];
}

/** One purpose's profiles with their segments and a cursor for the time sweep. */
interface Stack {
  entries: Array<{ profile: ChargingProfile; segments: Segment[]; next: number }>;
}

/** The highest-stack-level segment covering `t` (t only grows between calls). */
function topAt(stack: Stack, t: number): Segment | null {
  let best: Segment | null = null;
  for (const e of stack.entries) {
    while (e.next < e.segments.length && e.segments[e.next].to <= t) e.next++;
    const s = e.segments[e.next];
    if (!s || s.from > t) continue;
    if (!best || s.profile.stackLevel > best.profile.stackLevel || (s.profile.stackLevel === best.profile.stackLevel && s.profile.chargingProfileId > best.profile.chargingProfileId)) best = s;
  }
  return best;
}

/** A non-negative decimal as an integer and a power of ten: 230.5 -> 2305n / 10^1, exactly as written. */
function decimal(x: number): { n: bigint; scale: number } {
  let text = String(x);
  if (!/^\d+(\.\d+)?$/.test(text)) text = x.toFixed(9).replace(/\.?0+$/, ''); // 1e-7 and the like
  const [int, frac = ''] = text.split('.');
  return { n: BigInt(int + frac), scale: frac.length };
}

/** num / den rounded half up to 0.1 (num, den > 0), as the nearest number: 69.15 -> 69.2, never 69.1 or 69.15000000000001. */
function tenths(num: bigint, den: bigint): number {
  return Number((num * 20n + den) / (2n * den)) / 10;
}

/**
 * A limit in the other unit: W = A × V × phases, A = W / (V × phases), V the per-phase supply
 * voltage; rounded half up to 0.1 (OCPP 1.6 limits have one decimal), computed on the decimals
 * as written so that 0.3 A × 230.5 V is 69.2 W. null without a voltage.
 */
export function convertLimit(limit: number, from: RateUnit, to: RateUnit, numberPhases: number, voltage?: number): number | null {
  if (from === to) return limit;
  if (!voltage || voltage <= 0 || !(numberPhases > 0)) return null;
  const l = decimal(limit);
  const v = decimal(voltage);
  const phases = BigInt(Math.round(numberPhases));
  return from === 'A' ? tenths(l.n * v.n * phases, 10n ** BigInt(l.scale + v.scale)) : tenths(l.n * 10n ** BigInt(v.scale), 10n ** BigInt(l.scale) * v.n * phases);
}

export function computeCompositeSchedule(req: CompositeRequest): CompositeSchedule {
  const from = Math.floor(req.start.getTime() / 1000);
  const to = from + Math.max(0, Math.floor(req.duration));
  const window = { from, to };
  const tx = req.transaction ?? null;
  const txStart = tx ? Math.floor(tx.startedAt.getTime() / 1000) : null;
  const notes = new Set<string>();
  const c = req.connectorId;

  const onConnector = (purpose: ChargingProfilePurpose, connectorId: number) =>
    req.profiles.filter((p) => p.connectorId === connectorId && p.profile.chargingProfilePurpose === purpose).map((p) => p.profile);

  const maxProfiles = onConnector('ChargePointMaxProfile', 0);
  let defaults: ChargingProfile[] = [];
  const txProfiles: ChargingProfile[] = [];
  if (c === 0) {
    notes.add('connector 0 is the grid connection: its schedule is the ChargePointMaxProfile (the schedules of the connectors are not added up)');
  } else {
    const own = onConnector('TxDefaultProfile', c);
    const ownLevels = new Set(own.map((p) => p.stackLevel));
    defaults = [...own, ...onConnector('TxDefaultProfile', 0).filter((p) => !ownLevels.has(p.stackLevel))];
    for (const p of onConnector('TxProfile', c)) {
      if (!tx) notes.add(`TxProfile ${p.chargingProfileId} applies only while a transaction runs on connector ${c}; there is none, so it is left out`);
      else if (p.transactionId !== undefined && p.transactionId !== tx.transactionId) notes.add(`TxProfile ${p.chargingProfileId} belongs to transaction ${p.transactionId}, not to the running ${tx.transactionId}, so it is left out`);
      else txProfiles.push(p);
    }
  }
  if (!tx && [...maxProfiles, ...defaults].some(anchoredAtTransactionStart)) {
    notes.add(`no transaction runs on connector ${c}: Relative profiles (and schedules without startSchedule) are taken to start at scheduleStart, as if a transaction started then`);
  }

  const stackOf = (profiles: ChargingProfile[]): Stack => ({ entries: profiles.map((profile) => ({ profile, segments: profileSegments(profile, window, txStart), next: 0 })) });
  const stacks = { max: stackOf(maxProfiles), tx: stackOf(txProfiles), def: stackOf(defaults) };

  const cuts = new Set<number>([from, to]);
  for (const s of [stacks.max, stacks.tx, stacks.def]) for (const e of s.entries) for (const seg of e.segments) cuts.add(seg.from).add(seg.to);
  const times = [...cuts].filter((t) => t >= from && t <= to).sort((a, b) => a - b);

  let unit: RateUnit | undefined = req.chargingRateUnit;
  const defaultPhases = req.defaultNumberPhases ?? DEFAULT_NUMBER_PHASES;
  let converted = false;
  const periods: CompositePeriod[] = [];
  for (let i = 0; i + 1 < times.length; i++) {
    const t = times[i];
    const cap = topAt(stacks.max, t);
    // §3.13.4: a TxProfile overrides the TxDefaultProfile (both cursors advance regardless).
    const txTop = topAt(stacks.tx, t);
    const defTop = topAt(stacks.def, t);
    const base = txTop ?? defTop;
    unit ??= (base ?? cap)?.unit;
    let best: { seg: Segment; limit: number; phases: number } | null = null;
    for (const seg of [base, cap]) {
      if (!seg) continue;
      const phases = seg.numberPhases ?? defaultPhases;
      const limit = convertLimit(seg.limit, seg.unit, unit!, phases, req.voltage);
      if (limit === null) {
        notes.add(`profile ${seg.profile.chargingProfileId} is in ${seg.unit}: without a supply voltage it cannot be expressed in ${unit}, so it is left out`);
        continue;
      }
      if (seg.unit !== unit) {
        converted = true;
        const how = `${phases} phase${phases === 1 ? '' : 's'}${seg.numberPhases === undefined ? ' (the period gives no numberPhases)' : ''}`;
        notes.add(`profile ${seg.profile.chargingProfileId} is in ${seg.unit}: converted to ${unit} with ${req.voltage} V per phase and ${how}`);
      }
      if (!best || limit < best.limit) best = { seg, limit, phases };
    }
    const period: CompositePeriod = best
      ? { startPeriod: t - from, limit: best.limit, numberPhases: best.phases, chargingProfileId: best.seg.profile.chargingProfileId, chargingProfilePurpose: best.seg.profile.chargingProfilePurpose }
      : { startPeriod: t - from, limit: null };
    const prev = periods[periods.length - 1];
    const same = prev && prev.limit === period.limit && prev.numberPhases === period.numberPhases && prev.chargingProfileId === period.chargingProfileId && prev.chargingProfilePurpose === period.chargingProfilePurpose;
    if (!same) periods.push(period);
  }

  return {
    connectorId: c,
    scheduleStart: new Date(from * 1000).toISOString(),
    duration: to - from,
    chargingRateUnit: unit ?? 'A',
    chargingSchedulePeriod: periods,
    conversion: converted ? { voltage: req.voltage!, defaultNumberPhases: defaultPhases } : null,
    notes: [...notes],
  };
}

