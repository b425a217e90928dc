// Shapes shared by the simulator's files: what a station is made of, and what it reports.
import type { OCPP16 } from 'typed-ocpp';
import type { ConfigProfile } from './config-store.ts';
import type { ConnectorElectrics, MeterValue } from './meter.ts';
import type { Range } from './patterns.ts';

export type Behaviour = 'idle' | 'charging';

export type ConnectorStatus = OCPP16.StatusNotificationRequest['status'];
export type StopReason = NonNullable<OCPP16.StopTransactionRequest['reason']>;

/** Misbehaviour on request, for robustness tests. Probabilities are 0..1. */
export interface Misbehaviour {
  /** per transaction: the connection is lost somewhere in the middle of it */
  offlineProbability: number;
  /** how long such an outage lasts, seconds */
  offlineSeconds: Range;
  /** per CALL: the same action and payload is sent again under a new message id */
  duplicateProbability: number;
  /** per CALL: an invalid frame (bad payload, unknown action, broken JSON) is sent beside it */
  invalidProbability: number;
}

export const NO_MISBEHAVIOUR: Misbehaviour = Object.freeze({
  offlineProbability: 0,
  offlineSeconds: { min: 10, max: 30 },
  duplicateProbability: 0,
  invalidProbability: 0,
});

/** Everything that makes one station what it is; resolved by the fleet from its options and the seed. */
export interface StationSpec {
  index: number;
  /** the OCPP version it speaks; default 1.6 */
  version?: '1.6' | '2.0.1';
  id: string;
  /** HTTP Basic password (security profiles 1 and 2), or null */
  password: string | null;
  connectors: number;
  vendor: string;
  model: string;
  serialNumber: string;
  firmwareVersion: string;
  electrics: ConnectorElectrics;
  behaviour: Behaviour;
  idTags: readonly string[];
  /** overrides the BootNotification interval when set */
  heartbeatIntervalSeconds: number | null;
  /** charging behaviour: how long a car charges, and how long a connector stays free between cars */
  sessionSeconds: Range;
  pauseSeconds: Range;
  config: ConfigProfile;
  misbehaviour: Misbehaviour;
}

/** A transaction as the charger knows it; `transactionId` stays null until the central system answers the Start. */
export interface LocalTransaction {
  connectorId: number;
  idTag: string;
  meterStartWh: number;
  startedAt: number;
  timestamp: string;
  reservationId?: number;
  remote: boolean;
  transactionId: number | null;
  /** the Start was given up (its answer never came within TransactionMessageAttempts): later messages say -1 */
  startLost: boolean;
  /** Transaction.Begin reading, for StopTransaction.transactionData */
  beginValue: MeterValue | null;
  /** OCPP 2.0.1: the transactionId the station made up; the RequestStartTransaction's remoteStartId */
  externalId?: string;
  remoteStartId?: number;
}

/** What a station reports to whoever watches the fleet (tests, the CLI). */
export type SimEvent =
  | { type: 'connected' | 'disconnected' | 'rebooting'; stationId: string }
  | { type: 'booted'; stationId: string; status: string }
  | { type: 'connectFailed'; stationId: string; reason: string }
  | { type: 'command'; stationId: string; action: string; payload: unknown }
  | { type: 'transactionStarted'; stationId: string; connectorId: number; transactionId: number | null; idTag: string }
  | { type: 'transactionStopped'; stationId: string; connectorId: number; transactionId: number | null; reason: StopReason; meterStopWh: number }
  | { type: 'firmwareStatus' | 'diagnosticsStatus'; stationId: string; status: string };
