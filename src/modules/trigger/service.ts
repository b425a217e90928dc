// Remote Trigger profile (OCPP 1.6 §5.17 TriggerMessage): ask a charger to send one of the
// messages it would otherwise send on its own. The triggered message itself arrives as any
// other CALL and is handled by the module that owns it (StatusNotification, MeterValues, ...).
import type { AppContext } from '../../context.ts';
import type { CentralToCharger } from '../../protocol/ocpp16.ts';
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
    async trigger(stationId: string, req: TriggerRequest, opts: { force?: boolean; timeoutMs?: number } = {}): Promise<CentralToCharger['TriggerMessage']['res']> {
      checkCommand('TriggerMessage', req);
      await refuseBootToAccepted(stationId, req.requestedMessage, opts.force);
      return ctx.services.stations.sendCommand(stationId, 'TriggerMessage', req, { timeoutMs: opts.timeoutMs });
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
