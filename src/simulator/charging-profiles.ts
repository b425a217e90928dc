// Smart charging on the charger's side (OCPP 1.6 §3.13, §5.16, §7.8-7.14, errata 3.41-3.69):
// the installed profiles, the rules for accepting, replacing and clearing them, and the limit
// they put on a connector at a given instant, which the simulated power obeys.
import type { OCPP16 } from 'typed-ocpp';
import { ampsToWatts, wattsToAmps, type ConnectorElectrics } from './meter.ts';

export type ChargingProfile = OCPP16.SetChargingProfileRequest['csChargingProfiles'];
type Purpose = ChargingProfile['chargingProfilePurpose'];
type RateUnit = 'A' | 'W';

interface Installed {
  connectorId: number;
  profile: ChargingProfile;
  /** epoch ms: an Absolute schedule without startSchedule starts when it was received */
  installedAt: number;
}

export interface ProfileEnv {
  connectors: number;
  electrics: ConnectorElectrics;
  maxStackLevel: number;
  maxPeriods: number;
  maxInstalled: number;
  /** the transaction running on a connector: its id (null until the central system gave one) and start */
  txOf(connectorId: number): { transactionId: number | null; startedAt: number } | null;
}

const DAY_MS = 86_400_000;

export class ChargingProfiles {
  #installed: Installed[] = [];

  get count(): number {
    return this.#installed.length;
  }

  /** SetChargingProfile (§5.16): Accepted, or Rejected where a real charger must refuse. */
  set(connectorId: number, profile: ChargingProfile, env: ProfileEnv, now: number): 'Accepted' | 'Rejected' {
    if (connectorId < 0 || connectorId > env.connectors) return 'Rejected';
    const purpose = profile.chargingProfilePurpose;
    if (purpose === 'ChargePointMaxProfile' && connectorId !== 0) return 'Rejected';
    if (purpose === 'TxProfile') {
      // §3.13.2: a TxProfile only on a connector with a transaction, and for that transaction.
      const tx = connectorId > 0 ? env.txOf(connectorId) : null;
      if (!tx) return 'Rejected';
      if (profile.transactionId !== undefined && tx.transactionId !== null && profile.transactionId !== tx.transactionId) return 'Rejected';
    }
    if (profile.stackLevel > env.maxStackLevel) return 'Rejected';
    const schedule = profile.chargingSchedule;
    const periods = schedule.chargingSchedulePeriod;
    if (periods.length === 0 || periods.length > env.maxPeriods || periods[0].startPeriod !== 0) return 'Rejected';
    for (let i = 1; i < periods.length; i++) if (periods[i].startPeriod <= periods[i - 1].startPeriod) return 'Rejected';
    if (profile.chargingProfileKind === 'Recurring' && (!profile.recurrencyKind || !schedule.startSchedule)) return 'Rejected';
    if (profile.chargingProfileKind === 'Relative' && schedule.startSchedule) return 'Rejected';
    // §3.13.2: the same id replaces, and so does the same stack level and purpose on the connector.
    const kept = this.#installed.filter(
      (p) =>
        p.profile.chargingProfileId !== profile.chargingProfileId &&
        !(p.connectorId === connectorId && p.profile.stackLevel === profile.stackLevel && p.profile.chargingProfilePurpose === purpose),
    );
    if (kept.length >= env.maxInstalled) return 'Rejected';
    kept.push({ connectorId, profile: structuredClone(profile), installedAt: now });
    this.#installed = kept;
    return 'Accepted';
  }

  /** ClearChargingProfile (§5.5): by id, or by any combination of connector, purpose and stack level. */
  clear(req: OCPP16.ClearChargingProfileRequest): 'Accepted' | 'Unknown' {
    const before = this.#installed.length;
    this.#installed = this.#installed.filter((p) => {
      if (req.id !== undefined) return p.profile.chargingProfileId !== req.id;
      if (req.connectorId !== undefined && p.connectorId !== req.connectorId) return true;
      if (req.chargingProfilePurpose !== undefined && p.profile.chargingProfilePurpose !== req.chargingProfilePurpose) return true;
      if (req.stackLevel !== undefined && p.profile.stackLevel !== req.stackLevel) return true;
      return false;
    });
    return this.#installed.length < before ? 'Accepted' : 'Unknown';
  }

  /** §3.13.2: a TxProfile ends with its transaction. */
  endTransaction(connectorId: number): void {
    this.#installed = this.#installed.filter((p) => !(p.connectorId === connectorId && p.profile.chargingProfilePurpose === 'TxProfile'));
  }

  /** The station-wide limit (ChargePointMaxProfile) in W at `t`, or null. */
  stationLimitW(t: number, env: ProfileEnv): number | null {
    return this.#limit('ChargePointMaxProfile', 0, t, env);
  }

  /** The transaction's limit in W at `t`: its TxProfile, else the connector's or the default TxDefaultProfile; null when none applies. */
  connectorLimitW(connectorId: number, t: number, env: ProfileEnv): number | null {
    if (env.txOf(connectorId)) {
      const tx = this.#limit('TxProfile', connectorId, t, env);
      if (tx !== null) return tx;
    }
    return this.#limit('TxDefaultProfile', connectorId, t, env) ?? this.#limit('TxDefaultProfile', 0, t, env);
  }

  /**
   * GetCompositeSchedule (§5.7, §3.13.4): the limits that will apply over the next `durationS`
   * seconds, as the minimum of the station-wide and the transaction's profiles. Connector 0 is
   * the station's total.
   */
  composite(connectorId: number, durationS: number, unit: RateUnit, env: ProfileEnv, now: number): OCPP16.GetCompositeScheduleResponse {
    if (connectorId < 0 || connectorId > env.connectors) return { status: 'Rejected' };
    const end = now + durationS * 1000;
    const hardwareW = env.electrics.maxPowerW * (connectorId === 0 ? env.connectors : 1);
    const limitAt = (t: number) => {
      const station = this.stationLimitW(t, env);
      const own = connectorId === 0 ? null : this.connectorLimitW(connectorId, t, env);
      return Math.min(hardwareW, station ?? Infinity, own ?? Infinity);
    };
    const times = new Set<number>([now]);
    for (const p of this.#installed) {
      if (p.connectorId !== connectorId && p.connectorId !== 0) continue;
      for (const t of this.#boundaries(p, now, end, env)) if (t > now && t < end) times.add(t);
    }
    const periods: Array<{ startPeriod: number; limit: number; numberPhases?: number }> = [];
    for (const t of [...times].sort((a, b) => a - b)) {
      const w = limitAt(t);
      const limit = Math.round((unit === 'W' ? w : wattsToAmps(w, env.electrics)) * 10) / 10;
      if (periods.length > 0 && periods[periods.length - 1].limit === limit) continue;
      periods.push({ startPeriod: Math.round((t - now) / 1000), limit, ...(env.electrics.dc ? {} : { numberPhases: env.electrics.phases }) });
    }
    return {
      status: 'Accepted',
      connectorId,
      scheduleStart: new Date(now).toISOString(),
      chargingSchedule: { duration: durationS, startSchedule: new Date(now).toISOString(), chargingRateUnit: unit, chargingSchedulePeriod: periods },
    };
  }

  /** The highest stack level among the valid profiles of `purpose` on `connectorId` that has a period running at `t`. */
  #limit(purpose: Purpose, connectorId: number, t: number, env: ProfileEnv): number | null {
    let best: { level: number; w: number } | null = null;
    for (const p of this.#installed) {
      const prof = p.profile;
      if (p.connectorId !== connectorId || prof.chargingProfilePurpose !== purpose) continue;
      if (best && prof.stackLevel <= best.level) continue;
      if (prof.validFrom && t < Date.parse(prof.validFrom)) continue;
      if (prof.validTo && t >= Date.parse(prof.validTo)) continue;
      const period = this.#periodAt(p, t, env);
      if (!period) continue;
      const w = prof.chargingSchedule.chargingRateUnit === 'W' ? period.limit : ampsToWatts(period.limit, env.electrics, Math.min(period.numberPhases ?? 3, env.electrics.phases));
      best = { level: prof.stackLevel, w };
    }
    return best?.w ?? null;
  }

  #scheduleStart(p: Installed, t: number, env: ProfileEnv): number | null {
    const prof = p.profile;
    const s = prof.chargingSchedule;
    switch (prof.chargingProfileKind) {
      case 'Absolute':
        return s.startSchedule ? Date.parse(s.startSchedule) : p.installedAt;
      case 'Relative': {
        // Relative to the transaction's start; without one, as if it started now.
        const tx = p.connectorId > 0 ? env.txOf(p.connectorId) : null;
        return tx ? tx.startedAt : t;
      }
      case 'Recurring': {
        const period = prof.recurrencyKind === 'Weekly' ? 7 * DAY_MS : DAY_MS;
        const first = Date.parse(s.startSchedule!);
        return first + Math.floor((t - first) / period) * period;
      }
    }
  }

  #periodAt(p: Installed, t: number, env: ProfileEnv) {
    const start = this.#scheduleStart(p, t, env);
    if (start === null || t < start) return null;
    const elapsedS = (t - start) / 1000;
    const s = p.profile.chargingSchedule;
    if (s.duration !== undefined && elapsedS >= s.duration) return null;
    let found = null;
    for (const period of s.chargingSchedulePeriod) {
      if (period.startPeriod <= elapsedS) found = period;
      else break;
    }
    return found;
  }

  /** Instants in [from, to] where this profile's limit may change. */
  #boundaries(p: Installed, from: number, to: number, env: ProfileEnv): number[] {
    const prof = p.profile;
    const out: number[] = [];
    if (prof.validFrom) out.push(Date.parse(prof.validFrom));
    if (prof.validTo) out.push(Date.parse(prof.validTo));
    const starts: number[] = [];
    if (prof.chargingProfileKind === 'Recurring') {
      const period = prof.recurrencyKind === 'Weekly' ? 7 * DAY_MS : DAY_MS;
      for (let s = this.#scheduleStart(p, from, env)!; s <= to; s += period) starts.push(s);
    } else {
      const s = this.#scheduleStart(p, from, env);
      if (s !== null) starts.push(s);
    }
    for (const s of starts) {
      for (const period of prof.chargingSchedule.chargingSchedulePeriod) out.push(s + period.startPeriod * 1000);
      if (prof.chargingSchedule.duration !== undefined) out.push(s + prof.chargingSchedule.duration * 1000);
    }
    return out;
  }
}
