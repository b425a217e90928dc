// One connector of a simulated charger: its status (OCPP 1.6 §4.9), the car plugged into it,
// its meter, and the charging cycle a driver goes through: plug in (Preparing), present a
// token, StartTransaction, charge (Charging / SuspendedEV / SuspendedEVSE) with periodic
// MeterValues, stop, unplug (Finishing -> Available), and after a pause the next car.
import type { ConfigStore } from './config-store.ts';
import type { IdTagInfo } from './local-auth.ts';
import { buildMeterValue, evDemandW, randomEv, type Ev, type MeterValue, type Reading, type ReadingContext } from './meter.ts';
import { between, pick, type Rng } from './random.ts';
import type { FleetCounters } from './stats.ts';
import type { ConnectorStatus, LocalTransaction, SimEvent, StationSpec, StopReason } from './types.ts';

export interface TxMessage {
  action: 'StartTransaction' | 'MeterValues' | 'StopTransaction';
  tx: LocalTransaction;
  /** without transactionId: it is filled in when the message is sent (the id may come later) */
  payload: Record<string, unknown>;
  /** OCPP 2.0.1: the TransactionEvent sent instead, made when queued (its seqNo fixed then) */
  wire?: { action: string; payload: Record<string, unknown> };
}

/** What a connector needs from its station. */
export interface ConnectorHost {
  readonly spec: StationSpec;
  readonly config: ConfigStore;
  readonly rng: Rng;
  readonly counters: FleetCounters;
  /** started and not being stopped */
  readonly running: boolean;
  /** false while rebooting, stopping or waiting to install firmware: no new sessions */
  canStartSessions(): boolean;
  sendStatus(connectorId: number, status: ConnectorStatus): void;
  /** Authorize (or the local list / cache); null when nobody could say (offline, no local knowledge) */
  authorize(idTag: string): Promise<IdTagInfo | null>;
  enqueueTx(message: TxMessage): void;
  /** the most power the connector may draw now (hardware and charging profiles) */
  powerLimitW(connectorId: number, now: number): number;
  transactionEnded(connectorId: number): void;
  emit(event: SimEvent): void;
}

interface Reservation {
  reservationId: number;
  idTag: string;
  parentIdTag?: string;
  timer: NodeJS.Timeout;
}

export class Connector {
  readonly id: number;
  status: ConnectorStatus = 'Available';
  /** the meter's register; it survives reboots and only grows */
  registerWh: number;
  tx: LocalTransaction | null = null;
  ev: Ev | null = null;
  powerW = 0;
  offeredW = 0;
  /** set by ChangeAvailability; it survives reboots (OCPP 1.6 §5.2) */
  operative = true;
  /** Inoperative requested while a transaction ran: applied when it ends (Scheduled) */
  pendingInoperative = false;
  reservation: Reservation | null = null;
  /** the StartTransaction was answered with a status other than Accepted and the charger does not stop: no energy */
  #deauthorized = false;
  #host: ConnectorHost;
  #lastAdvance = 0;
  /** bumped to abandon whatever flow (plug-in, authorize, unplug) is in progress */
  #generation = 0;
  #stepTimer: NodeJS.Timeout | null = null;
  #stepResolve: ((ok: boolean) => void) | null = null;
  #sampleTimer: NodeJS.Timeout | null = null;
  #endTimer: NodeJS.Timeout | null = null;

  constructor(id: number, host: ConnectorHost) {
    this.id = id;
    this.#host = host;
    // Meters in the field do not start at zero.
    this.registerWh = Math.floor(between(host.rng, 100_000, 5_000_000));
  }

  get busy(): boolean {
    return this.tx !== null || this.status === 'Preparing' || this.status === 'Finishing';
  }

  reading(now: number): Reading {
    this.#advance(now);
    return { registerWh: this.registerWh, powerW: this.powerW, offeredW: this.offeredW, socPercent: this.#host.spec.electrics.dc && this.ev ? this.ev.socPercent : null };
  }

  meterValue(measurands: readonly string[], context: ReadingContext, now: number): MeterValue {
    return buildMeterValue(measurands, this.reading(now), this.#host.spec.electrics, context, new Date(now).toISOString(), this.#host.rng);
  }

  // ---- the charging cycle -----------------------------------------------------------------

  /** With the charging behaviour, the next car arrives after a pause (the reserving driver, if reserved). */
  scheduleCycle(): void {
    if (this.#host.spec.behaviour !== 'charging' || !this.#host.running || this.#stepTimer !== null || !this.#free()) return;
    const { min, max } = this.#host.spec.pauseSeconds;
    void this.#sleep(between(this.#host.rng, min, max) * 1000).then((ok) => {
      if (!ok) return;
      if (!this.#free() || !this.#host.canStartSessions()) {
        this.scheduleCycle();
        return;
      }
      const r = this.reservation;
      void this.runSession(r ? r.idTag : pick(this.#host.rng, this.#host.spec.idTags), { remote: false, authorize: true });
    });
  }

  /** RemoteStartTransaction may use this connector: free (or plugged in and waiting), and a reservation only for its holder. */
  acceptsRemoteStart(idTag: string): boolean {
    if (!this.operative || this.pendingInoperative || this.tx) return false;
    if (this.status === 'Available' || this.status === 'Preparing') return true;
    return this.status === 'Reserved' && this.reservation?.idTag === idTag;
  }

  #free(): boolean {
    return this.operative && !this.pendingInoperative && this.tx === null && (this.status === 'Available' || this.status === 'Reserved');
  }

  /**
   * Plug-in to transaction. A driver (remote: false) presents a token after plugging in; a
   * remote start (remote: true) has the cable plugged in at once, and is authorized first only
   * if AuthorizeRemoteTxRequests says so (OCPP 1.6 §5.11).
   */
  async runSession(idTag: string, opts: { remote: boolean; authorize: boolean; remoteStartId?: number; onStarted?: (tx: LocalTransaction) => void }): Promise<void> {
    this.#cancelStep();
    const generation = ++this.#generation;
    const host = this.#host;
    this.ev ??= randomEv(host.rng, host.spec.electrics);
    this.#setStatus('Preparing');
    if (!opts.remote && !(await this.#sleep(between(host.rng, 0.3, 1.5) * 1000))) return;
    if (opts.authorize) {
      const info = await host.authorize(idTag);
      if (generation !== this.#generation) return;
      if (info?.status !== 'Accepted') {
        host.counters.authorizationsRefused++;
        // Refused (or nobody to ask): the driver gives up and unplugs.
        await this.#unplugLater(generation);
        return;
      }
    }
    if (generation !== this.#generation) return;
    if (!host.canStartSessions()) {
      // The station went into a reset or a firmware installation meanwhile.
      await this.#unplugLater(generation);
      return;
    }
    this.#begin(idTag, opts.remote, opts.remoteStartId);
    opts.onStarted?.(this.tx!);
  }

  #begin(idTag: string, remote: boolean, remoteStartId?: number): void {
    const host = this.#host;
    const now = Date.now();
    this.#advance(now);
    const reservation = this.reservation && this.reservation.idTag === idTag ? this.reservation : null;
    if (reservation) this.#dropReservation();
    const tx: LocalTransaction = {
      connectorId: this.id,
      idTag,
      meterStartWh: Math.floor(this.registerWh),
      startedAt: now,
      timestamp: new Date(now).toISOString(),
      ...(reservation ? { reservationId: reservation.reservationId } : {}),
      remote,
      ...(remoteStartId !== undefined ? { remoteStartId } : {}),
      transactionId: null,
      startLost: false,
      beginValue: null,
    };
    const stopMeasurands = host.config.list('StopTxnSampledData');
    if (stopMeasurands.length > 0) tx.beginValue = this.meterValue(stopMeasurands, 'Transaction.Begin', now);
    this.tx = tx;
    this.#deauthorized = false;
    host.counters.sessionsActive++;
    host.enqueueTx({
      action: 'StartTransaction',
      tx,
      payload: { connectorId: this.id, idTag, meterStart: tx.meterStartWh, timestamp: tx.timestamp, ...(reservation ? { reservationId: reservation.reservationId } : {}) },
    });
    host.emit({ type: 'transactionStarted', stationId: host.spec.id, connectorId: this.id, transactionId: null, idTag });
    this.updatePower(now);
    this.#scheduleSample();
    // A driver comes back after a while; remotely started sessions on an idle station run until stopped.
    if (host.spec.behaviour === 'charging') {
      const { min, max } = host.spec.sessionSeconds;
      this.#endTimer = setTimeout(() => this.endTransaction('Local'), between(host.rng, min, max) * 1000);
    }
  }

  /** The central system answered the Start with a status other than Accepted (OCPP 1.6 §4.8, errata 3.17). */
  deauthorize(tx: LocalTransaction): void {
    if (this.tx !== tx) return;
    if (this.#host.config.bool('StopTransactionOnInvalidId')) {
      this.endTransaction('DeAuthorized');
    } else {
      this.#deauthorized = true;
      this.updatePower(Date.now());
    }
  }

  /**
   * Ends the running transaction: StopTransaction (with transactionData per StopTxnSampledData)
   * goes to the queue, then Finishing and, unless the station is going down, the cable comes
   * out (now for UnlockConnector, after a moment otherwise). False when nothing was running.
   */
  endTransaction(reason: StopReason, opts: { unplug?: 'later' | 'now' | 'never' } = {}): boolean {
    const tx = this.tx;
    if (!tx) return false;
    const host = this.#host;
    const now = Date.now();
    this.#advance(now);
    const stopMeasurands = host.config.list('StopTxnSampledData');
    const transactionData = tx.beginValue && stopMeasurands.length > 0 ? [tx.beginValue, this.meterValue(stopMeasurands, 'Transaction.End', now)] : undefined;
    const meterStop = Math.floor(this.registerWh);
    // The idTag is given when a token ended it (§4.10); a remote or charger-side stop has none.
    const withIdTag = reason === 'Local' || reason === 'DeAuthorized';
    host.enqueueTx({
      action: 'StopTransaction',
      tx,
      payload: { meterStop, timestamp: new Date(now).toISOString(), reason, ...(withIdTag ? { idTag: tx.idTag } : {}), ...(transactionData ? { transactionData } : {}) },
    });
    this.#clearSessionTimers();
    this.tx = null;
    this.powerW = 0;
    this.#deauthorized = false;
    host.counters.sessionsActive--;
    host.counters.sessionsDone++;
    host.emit({ type: 'transactionStopped', stationId: host.spec.id, connectorId: this.id, transactionId: tx.transactionId, reason, meterStopWh: meterStop });
    host.transactionEnded(this.id);
    const unplug = opts.unplug ?? 'later';
    if (unplug === 'never') return true;
    this.#cancelStep();
    const generation = ++this.#generation;
    this.#setStatus('Finishing');
    if (unplug === 'now') this.#unplug();
    else void this.#unplugLater(generation);
    return true;
  }

  /** UnlockConnector (§5.18): a running transaction stops (UnlockCommand) and the cable comes out. */
  unlock(): void {
    if (this.endTransaction('UnlockCommand', { unplug: 'now' })) return;
    if (this.status === 'Preparing' || this.status === 'Finishing') {
      this.#cancelStep();
      this.#generation++;
      this.#unplug();
    }
  }

  async #unplugLater(generation: number): Promise<void> {
    if (!(await this.#sleep(between(this.#host.rng, 0.5, 2) * 1000)) || generation !== this.#generation) return;
    this.#unplug();
  }

  #unplug(): void {
    this.ev = null;
    if (this.pendingInoperative) {
      this.pendingInoperative = false;
      this.operative = false;
    }
    this.#setStatus(this.#restingStatus());
    this.scheduleCycle();
  }

  #restingStatus(): ConnectorStatus {
    if (!this.operative) return 'Unavailable';
    return this.reservation ? 'Reserved' : 'Available';
  }

  // ---- power and meter ----------------------------------------------------------------------

  /** Re-reads the limits (charging profiles, the EV's demand) and sets power and status. */
  updatePower(now: number): void {
    this.#advance(now);
    if (!this.tx || !this.ev) {
      this.powerW = 0;
      return;
    }
    const limit = this.#deauthorized ? 0 : this.#host.powerLimitW(this.id, now);
    const demand = evDemandW(this.ev, this.#host.spec.electrics.dc);
    this.offeredW = limit;
    this.powerW = Math.max(0, Math.min(limit, demand));
    this.#setStatus(limit <= 0 ? 'SuspendedEVSE' : demand <= 0 ? 'SuspendedEV' : 'Charging');
  }

  #advance(now: number): void {
    if (this.#lastAdvance !== 0 && now > this.#lastAdvance && this.powerW > 0) {
      const wh = (this.powerW * (now - this.#lastAdvance)) / 3_600_000;
      this.registerWh += wh;
      if (this.ev) this.ev.socPercent = Math.min(100, this.ev.socPercent + (wh / this.ev.batteryWh) * 100);
    }
    this.#lastAdvance = now;
  }

  /** MeterValueSampleInterval is read at every sample, so a change applies from the next one. */
  #scheduleSample(): void {
    const seconds = this.#host.config.int('MeterValueSampleInterval');
    if (seconds <= 0) return;
    this.#sampleTimer = setTimeout(() => this.#sample(), seconds * 1000);
  }

  restartSampling(): void {
    if (!this.tx) return;
    if (this.#sampleTimer) clearTimeout(this.#sampleTimer);
    this.#sampleTimer = null;
    this.#scheduleSample();
  }

  #sample(): void {
    this.#sampleTimer = null;
    const tx = this.tx;
    if (!tx) return;
    const host = this.#host;
    const now = Date.now();
    this.updatePower(now);
    // A DC driver leaves once the battery is as full as wanted.
    if (host.spec.behaviour === 'charging' && host.spec.electrics.dc && this.ev && this.ev.socPercent >= this.ev.targetSocPercent) {
      this.endTransaction('Local');
      return;
    }
    host.enqueueTx({ action: 'MeterValues', tx, payload: { connectorId: this.id, meterValue: [this.meterValue(host.config.list('MeterValuesSampledData'), 'Sample.Periodic', now)] } });
    this.#scheduleSample();
  }

  // ---- reservations -------------------------------------------------------------------------

  reserve(reservationId: number, idTag: string, parentIdTag: string | undefined, expiresAt: number): void {
    this.#dropReservation();
    const timer = setTimeout(() => this.cancelReservation(), Math.min(Math.max(0, expiresAt - Date.now()), 2_147_483_647));
    this.reservation = { reservationId, idTag, ...(parentIdTag ? { parentIdTag } : {}), timer };
    if (!this.busy) {
      // The next arrival is the reserving driver: restart the pause.
      this.#cancelStep();
      this.#setStatus('Reserved');
      this.scheduleCycle();
    }
  }

  /** CancelReservation, or expiry (§5.1: the connector becomes Available again). */
  cancelReservation(): void {
    if (!this.reservation) return;
    this.#dropReservation();
    if (this.status === 'Reserved') this.#setStatus(this.#restingStatus());
  }

  #dropReservation(): void {
    if (this.reservation) clearTimeout(this.reservation.timer);
    this.reservation = null;
  }

  // ---- availability and power cycles --------------------------------------------------------

  /** ChangeAvailability for this connector: 'Scheduled' while a transaction runs (§5.2). */
  setOperative(operative: boolean): 'Accepted' | 'Scheduled' {
    if (!operative && this.tx) {
      this.pendingInoperative = true;
      return 'Scheduled';
    }
    this.pendingInoperative = false;
    if (this.operative === operative) return 'Accepted';
    this.operative = operative;
    if (!operative) {
      this.#cancelStep();
      this.#generation++;
      this.ev = null;
      this.#setStatus('Unavailable');
    } else {
      this.#setStatus(this.#restingStatus());
      this.scheduleCycle();
    }
    return 'Accepted';
  }

  /** The station is going down: every timer stops (a transaction was ended before). */
  powerOff(): void {
    this.#cancelStep();
    this.#generation++;
    this.#clearSessionTimers();
    this.#dropReservation();
    this.ev = null;
    this.powerW = 0;
  }

  /** After a boot: the state a connector comes up in, reported by the station's StatusNotifications. */
  powerOn(): void {
    this.status = this.#restingStatus();
    this.#lastAdvance = Date.now();
  }

  #clearSessionTimers(): void {
    if (this.#sampleTimer) clearTimeout(this.#sampleTimer);
    if (this.#endTimer) clearTimeout(this.#endTimer);
    this.#sampleTimer = null;
    this.#endTimer = null;
  }

  #setStatus(status: ConnectorStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.#host.sendStatus(this.id, status);
  }

  /** A cancellable pause: resolves false if the flow was abandoned meanwhile. */
  #sleep(ms: number): Promise<boolean> {
    this.#cancelStep();
    // A station being stopped starts nothing new.
    if (!this.#host.running) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.#stepResolve = resolve;
      this.#stepTimer = setTimeout(() => {
        this.#stepTimer = null;
        this.#stepResolve = null;
        resolve(true);
      }, ms);
    });
  }

  #cancelStep(): void {
    if (this.#stepTimer) clearTimeout(this.#stepTimer);
    const resolve = this.#stepResolve;
    this.#stepTimer = null;
    this.#stepResolve = null;
    resolve?.(false);
  }
}
