// Remote Trigger profile (OCPP 1.6 §5.17 TriggerMessage): ask a charger to send one of the
// messages it would otherwise send on its own. The triggered message itself arrives as any
// other CALL and is handled by the module that owns it (StatusNotification, MeterValues, ...).
import type { AppContext } from '../../context.ts';
import type { CentralToCharger } from '../../protocol/ocpp16.ts';
import type { CsmsToStation201 } from '../../protocol/ocpp201.ts';
import { StationNotFoundError } from '../stations/service.ts';
import { checkCommand } from '../commands/service.ts';

export type TriggerRequest = CentralToCharger['TriggerMessage']['req'];
export type RequestedMessage = TriggerRequest['requestedMessage'];

export const REQUESTED_MESSAGES: readonly RequestedMessage[] = [
  'BootNotification',
  'DiagnosticsStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'MeterValues',
  'StatusNotification',
];

/**
 * (Extended)TriggerMessage(BootNotification) to a station that is already Accepted: refused unless forced.
 * OCPP 1.6 errata 3.40 forbids it. A BootNotification says the charger (re)booted (§4.2), so a
 * triggered one from a running, registered charger muddles that signal, and some chargers
 * reinitialise when they send it; the trigger exists for a Pending charger, so that it can
 * register at once instead of after its retry interval.
 */
export class BootTriggerRefusedError extends Error {
  readonly stationId: string;
  constructor(stationId: string) {
    super(
      `station ${stationId} is Accepted: OCPP 1.6 errata 3.40 forbids TriggerMessage(BootNotification) once a charger is Accepted ` +
        '(it is meant for Pending chargers, and a charger may reinitialise when it sends one). Set force to send it anyway.',
    );
    this.name = 'BootTriggerRefusedError';
    this.stationId = stationId;
  }
}

export type Trigger201Request = CsmsToStation201['TriggerMessage']['req'];
export type RequestedMessage201 = Trigger201Request['requestedMessage'];

/** What a 2.0.1 TriggerMessage can ask for (MessageTriggerEnumType of OCPP 2.0.1). */
export const REQUESTED_MESSAGES_201: readonly RequestedMessage201[] = [
  'BootNotification',
  'LogStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'MeterValues',
  'SignChargingStationCertificate',
  'SignV2GCertificate',
  'StatusNotification',
  'TransactionEvent',
  'SignCombinedCertificate',
  'PublishFirmwareStatusNotification',
];

/** A trigger in Plugboard's terms, for either version: the message, and where (1.6 connectorId, or a 2.0.1 EVSE and connector). */
export interface TriggerIntent {
  requestedMessage: string;
  /** OCPP 1.6 connector; on 2.0.1 it names EVSE n (ADR 0014: 1.6 connector n = EVSE n) when evse is not given */
  connectorId?: number;
  evse?: { id: number; connectorId?: number };
}

export class TriggerNotInVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TriggerNotInVersionError';
  }
}

export type ExtendedTriggerRequest = CentralToCharger['ExtendedTriggerMessage']['req'];
export type ExtendedRequestedMessage = ExtendedTriggerRequest['requestedMessage'];

/** What ExtendedTriggerMessage (Security Whitepaper) can ask for: every MessageTriggerEnumType value. */
export const EXTENDED_REQUESTED_MESSAGES: readonly ExtendedRequestedMessage[] = [
  'BootNotification',
  'LogStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'MeterValues',
  'SignChargePointCertificate',
  'StatusNotification',
];

export function createTriggerService(ctx: AppContext) {
  /** The errata 3.40 safeguard, for TriggerMessage and ExtendedTriggerMessage alike. */
  async function refuseBootToAccepted(stationId: string, requestedMessage: string, force: boolean | undefined): Promise<void> {
    if (requestedMessage !== 'BootNotification' || force) return;
    const station = await ctx.services.stations.get(stationId);
    if (!station) throw new StationNotFoundError(stationId);
    if (station.registration_status === 'Accepted') throw new BootTriggerRefusedError(stationId);
  }

  return {
    /**
     * Sends TriggerMessage and returns the charger's answer: Accepted (the message follows),
     * Rejected (e.g. an unknown connectorId, TC_055) or NotImplemented. The payload is checked
     * against the official schema first (CommandPayloadError, nothing sent).
     */
    async trigger(stationId: string, req: TriggerIntent, opts: { force?: boolean; timeoutMs?: number } = {}): Promise<{ status: 'Accepted' | 'Rejected' | 'NotImplemented' }> {
      const version = await ctx.services.stations.versionOf(stationId);
      if (version === '1.6') {
        if (req.evse) throw new TriggerNotInVersionError('evse is OCPP 2.0.1: a 1.6 station takes connectorId');
        const payload: TriggerRequest = { requestedMessage: req.requestedMessage as RequestedMessage, ...(req.connectorId !== undefined ? { connectorId: req.connectorId } : {}) };
        checkCommand('TriggerMessage', payload);
      } else if (!(REQUESTED_MESSAGES_201 as readonly string[]).includes(req.requestedMessage)) {
        throw new TriggerNotInVersionError(`${req.requestedMessage} is not a message OCPP 2.0.1 can trigger (${REQUESTED_MESSAGES_201.join(', ')})`);
      }
      // The errata safeguard holds for 2.0.1 too: F06.FR.17 lets a station reject it once Accepted, and the reasons of 3.40 stand.
      await refuseBootToAccepted(stationId, req.requestedMessage, opts.force);
      return ctx.services.stations.sendIntent(stationId, {
        '1.6': () => ({
          action: 'TriggerMessage',
          payload: { requestedMessage: req.requestedMessage, ...(req.connectorId !== undefined ? { connectorId: req.connectorId } : {}) },
          result: (r: CentralToCharger['TriggerMessage']['res']) => ({ status: r.status }),
        }),
        '2.0.1': () => {
          const evse = req.evse ?? (req.connectorId !== undefined && req.connectorId > 0 ? { id: req.connectorId } : undefined);
          return {
            action: 'TriggerMessage',
            payload: { requestedMessage: req.requestedMessage, ...(evse ? { evse } : {}) },
            result: (r: CsmsToStation201['TriggerMessage']['res']) => ({ status: r.status }),
          };
        },
      }, { timeoutMs: opts.timeoutMs });
    },

    /**
     * Sends ExtendedTriggerMessage (Security Whitepaper §3.8) with the same rules as TriggerMessage:
     * schema first, BootNotification to an Accepted station refused unless forced. connectorId is
     * sent only when given (OCTT TC_074 expects SignChargePointCertificate without one).
     */
    async extendedTrigger(stationId: string, req: ExtendedTriggerRequest, opts: { force?: boolean; timeoutMs?: number } = {}): Promise<CentralToCharger['ExtendedTriggerMessage']['res']> {
      checkCommand('ExtendedTriggerMessage', req);
      await refuseBootToAccepted(stationId, req.requestedMessage, opts.force);
      return ctx.services.stations.sendCommand(stationId, 'ExtendedTriggerMessage', req, { timeoutMs: opts.timeoutMs });
    },
  };
}

export type TriggerService = ReturnType<typeof createTriggerService>;
