// The simulated charger's answers to every central-system command of OCPP 1.6 (§5), with the
// effect a real charger would have. Effects that send messages of their own (a
// StatusNotification, a StartTransaction) are deferred until the answer has gone out, as on a
// real charger, where the CALLRESULT comes first.
import { OcppError } from '../protocol/errors.ts';
import type { Ocpp16ChargerHandlers } from '../protocol/ocpp16.ts';
import { getDiagnostics, signedUpdateFirmware, updateFirmware } from './file-transfer.ts';
import type { Station } from './station.ts';

/** Runs fn after the current answer has been sent. */
function after(fn: () => void): void {
  setTimeout(fn, 0);
}

const handlers: Ocpp16ChargerHandlers<Station> = {
  async ChangeAvailability(req, st) {
    const { connectorId } = req;
    if (connectorId < 0 || connectorId > st.spec.connectors) return { status: 'Rejected' };
    const operative = req.type === 'Operative';
    const targets = connectorId === 0 ? st.connectors : [st.connector(connectorId)!];
    // §5.2: Scheduled while a transaction runs; the change applies when it ends.
    const scheduled = !operative && targets.some((c) => c.tx !== null);
    after(() => {
      if (connectorId === 0 && st.operative !== operative) {
        st.operative = operative;
        st.sendStatus(0, operative ? 'Available' : 'Unavailable');
      }
      for (const c of targets) c.setOperative(operative);
    });
    return { status: scheduled ? 'Scheduled' : 'Accepted' };
  },

  async ChangeConfiguration(req, st) {
    return { status: st.config.change(req.key, req.value) };
  },

  async ClearCache(_req, st) {
    st.localAuth.clearCache();
    return { status: 'Accepted' };
  },

  async DataTransfer() {
    return { status: 'UnknownVendorId' };
  },

  async GetConfiguration(req, st) {
    return st.config.report(req.key);
  },

  async RemoteStartTransaction(req, st) {
    if (st.registration !== 'Accepted' || !st.canStartSessions()) return { status: 'Rejected' };
    // Errata 3.41: a profile given with a remote start must be a TxProfile.
    const profile = req.chargingProfile;
    if (profile && profile.chargingProfilePurpose !== 'TxProfile') return { status: 'Rejected' };
    const connector =
      req.connectorId !== undefined
        ? st.connector(req.connectorId)
        : (st.connectors.find((c) => c.acceptsRemoteStart(req.idTag) && c.status !== 'Reserved') ?? st.connectors.find((c) => c.acceptsRemoteStart(req.idTag)));
    if (!connector?.acceptsRemoteStart(req.idTag)) return { status: 'Rejected' };
    after(() => {
      void connector.runSession(req.idTag, {
        remote: true,
        // §5.11: authorized first only when AuthorizeRemoteTxRequests is true.
        authorize: st.config.bool('AuthorizeRemoteTxRequests'),
        onStarted: profile
          ? () => {
              st.profiles.set(connector.id, profile, st.profileEnv(), Date.now());
              st.recomputePower();
            }
          : undefined,
      });
    });
    return { status: 'Accepted' };
  },

  async RemoteStopTransaction(req, st) {
    const connector = st.connectors.find((c) => c.tx !== null && c.tx.transactionId === req.transactionId);
    if (!connector) return { status: 'Rejected' };
    after(() => connector.endTransaction('Remote'));
    return { status: 'Accepted' };
  },

  async Reset(req, st) {
    if (st.rebooting) return { status: 'Rejected' };
    after(() => void st.reboot(req.type));
    return { status: 'Accepted' };
  },

  async UnlockConnector(req, st) {
    const connector = st.connector(req.connectorId);
    if (!connector) return { status: 'NotSupported' };
    after(() => connector.unlock());
    return { status: 'Unlocked' };
  },

  async GetDiagnostics(req, st) {
    return getDiagnostics(st, req);
  },

  async UpdateFirmware(req, st) {
    updateFirmware(st, req);
    return {};
  },

  async SignedUpdateFirmware(req, st) {
    return signedUpdateFirmware(st, req);
  },

  async GetLocalListVersion(_req, st) {
    return { listVersion: st.localAuth.version(st.config.bool('LocalAuthListEnabled')) };
  },

  async SendLocalList(req, st) {
    const status = st.localAuth.sendLocalList(req, {
      enabled: st.config.bool('LocalAuthListEnabled'),
      maxLength: st.config.int('LocalAuthListMaxLength'),
      sendMaxLength: st.config.int('SendLocalListMaxLength'),
    });
    return { status };
  },

  async ReserveNow(req, st) {
    // §5.13: connector 0 only where ReserveConnectorZeroSupported is true (it is not here).
    if (req.connectorId === 0 && !st.config.bool('ReserveConnectorZeroSupported')) return { status: 'Rejected' };
    const connector = st.connector(req.connectorId);
    if (!connector) return { status: 'Rejected' };
    if (!st.operative || !connector.operative) return { status: 'Unavailable' };
    if (connector.status === 'Faulted') return { status: 'Faulted' };
    const sameReservation = connector.reservation?.reservationId === req.reservationId;
    if (connector.tx || connector.busy || (connector.reservation && !sameReservation)) return { status: 'Occupied' };
    const expiresAt = Date.parse(req.expiryDate);
    if (!(expiresAt > Date.now())) return { status: 'Rejected' };
    after(() => {
      // The same reservationId elsewhere is replaced by this one.
      for (const c of st.connectors) if (c !== connector && c.reservation?.reservationId === req.reservationId) c.cancelReservation();
      connector.reserve(req.reservationId, req.idTag, req.parentIdTag, expiresAt);
    });
    return { status: 'Accepted' };
  },

  async CancelReservation(req, st) {
    const connector = st.connectors.find((c) => c.reservation?.reservationId === req.reservationId);
    if (!connector) return { status: 'Rejected' };
    after(() => connector.cancelReservation());
    return { status: 'Accepted' };
  },

  async SetChargingProfile(req, st) {
    const status = st.profiles.set(req.connectorId, req.csChargingProfiles, st.profileEnv(), Date.now());
    if (status === 'Accepted') after(() => st.recomputePower());
    return { status };
  },

  async ClearChargingProfile(req, st) {
    const status = st.profiles.clear(req);
    if (status === 'Accepted') after(() => st.recomputePower());
    return { status };
  },

  async GetCompositeSchedule(req, st) {
    return st.profiles.composite(req.connectorId, req.duration, req.chargingRateUnit ?? 'W', st.profileEnv(), Date.now());
  },

  async TriggerMessage(req, st) {
    const { connectorId } = req;
    // §5.17: a connector that does not exist is Rejected (TC_055 asks for NumberOfConnectors + 1).
    if (connectorId !== undefined && (connectorId < 0 || connectorId > st.spec.connectors)) return { status: 'Rejected' };
    const targets = connectorId === undefined || connectorId === 0 ? st.connectors : [st.connector(connectorId)!];
    switch (req.requestedMessage) {
      case 'BootNotification':
        after(() => st.triggerBoot());
        break;
      case 'Heartbeat':
        after(() => st.send('Heartbeat', {}));
        break;
      case 'StatusNotification':
        after(() => {
          if (connectorId === undefined || connectorId === 0) st.sendStatus(0, st.operative ? 'Available' : 'Unavailable');
          if (connectorId !== 0) for (const c of targets) st.sendStatus(c.id, c.status);
        });
        break;
      case 'MeterValues':
        after(() => {
          const now = Date.now();
          const measurands = st.config.list('MeterValuesSampledData');
          for (const c of targets) {
            const transactionId = c.tx?.transactionId;
            st.send('MeterValues', { connectorId: c.id, ...(transactionId != null ? { transactionId } : {}), meterValue: [c.meterValue(measurands, 'Trigger', now)] });
          }
        });
        break;
      case 'FirmwareStatusNotification': {
        // §4.5: Idle only answers a trigger, when nothing is in progress.
        const busy = st.firmwareStatus === 'Downloading' || st.firmwareStatus === 'Downloaded' || st.firmwareStatus === 'Installing';
        after(() => st.send('FirmwareStatusNotification', { status: busy ? st.firmwareStatus : 'Idle' }));
        break;
      }
      case 'DiagnosticsStatusNotification':
        after(() => st.send('DiagnosticsStatusNotification', { status: st.diagnosticsStatus === 'Uploading' ? 'Uploading' : 'Idle' }));
        break;
      default:
        return { status: 'NotImplemented' };
    }
    return { status: 'Accepted' };
  },
};

export function handleCommand(st: Station, action: string, payload: unknown): Promise<unknown> {
  const handler = (handlers as Record<string, ((req: any, st: Station) => Promise<unknown>) | undefined>)[action];
  // OCPP-J 1.6 §4.2.3: known but not implemented here (the Security Whitepaper's messages).
  if (!handler) throw new OcppError('NotSupported', `${action} is not supported by this charge point`);
  return handler(payload, st);
}
