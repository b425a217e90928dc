// The firmware management profile (OCPP 1.6 §3.3 "Firmware Management"), version-neutral:
// the firmware repository, UpdateFirmware with its status timeline, GetDiagnostics with an
// upload receiver, and campaigns. This file wires the parts together; each lives in its own.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '../../context.ts';
import { createRepository } from './repository.ts';
import { createUpdates } from './updates.ts';
import { createDiagnostics } from './diagnostics.ts';
import { createCampaigns, type Campaigns } from './campaigns.ts';
import { createChargerHttpHandler } from './charger-http.ts';
import { publicBaseUrl, type ListenerAddress } from './public-url.ts';

export function createFirmwareService(ctx: AppContext) {
  let listeners: () => readonly ListenerAddress[] = () => [];
  const baseUrl = () => publicBaseUrl(ctx.config.files.publicBaseUrl, listeners(), { host: ctx.config.ocpp.host, port: ctx.config.ocpp.port, tls: false });

  const repository = createRepository({ ctx, baseUrl });
  // Campaigns listen to updates and send updates: created after, reached at call time.
  let campaigns: Campaigns | null = null;
  const updates = createUpdates({ ctx, repository, onProgress: (u) => campaigns?.onUpdateProgress(u) });
  campaigns = createCampaigns({ ctx, repository, updates });
  const diagnostics = createDiagnostics({ ctx, baseUrl });
  const chargerHttp = createChargerHttpHandler({
    log: ctx.log.child({ component: 'charger-files' }),
    repository,
    diagnostics,
    maxDiagnosticsBytes: () => ctx.config.files.maxDiagnosticsBytes,
  });
  const background = new Set<Promise<void>>();

  /** A station booted: its firmware version may be the outcome of an update. */
  function onBoot(stationId: string): void {
    const work = updates
      .onBoot(stationId)
      .catch((err: unknown) => ctx.log.error({ err, stationId }, 'recording the firmware version after a boot failed'))
      .finally(() => background.delete(work));
    background.add(work);
  }
  // The firmware version an update achieved is the one the next BootNotification reports.
  const unsubscribe = ctx.bus.subscribe((event) => {
    if (event.type === 'station.booted') onBoot(event.stationId);
  });

  return {
    repository,
    updates,
    diagnostics,
    campaigns,

    /** The base URL in the firmware and diagnostics URLs given to chargers. */
    publicBaseUrl: baseUrl,

    /**
     * Where the charger listeners are bound (app.ts passes the gateway's addresses). Only a
     * process with charger listeners resumes running campaigns: a CLI command must not send.
     */
    useChargerListeners(addresses: () => readonly ListenerAddress[]): void {
      listeners = addresses;
      campaigns.resumeLater();
      const host = ctx.config.ocpp.host;
      if (!ctx.config.files.publicBaseUrl && (host === '0.0.0.0' || host === '::')) {
        ctx.log.warn({ guessed: baseUrl() }, 'files.publicBaseUrl is not set: firmware and diagnostics URLs sent to chargers use a guessed address of this machine');
      }
    },

    /** The gateway's onHttpRequest hook: /files/... on the charger listener. */
    handleChargerHttp(req: IncomingMessage, res: ServerResponse): boolean {
      return chargerHttp.handle(req, res);
    },

    async stop(): Promise<void> {
      unsubscribe();
      await campaigns.stop();
      await chargerHttp.drain();
      await Promise.allSettled([...background]);
    },
  };
}

export type FirmwareService = ReturnType<typeof createFirmwareService>;
