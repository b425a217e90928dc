// Security events, version-neutral: what stations report (SecurityEventNotification) and what
// Plugboard itself sees (refused certificates, failed logins), one record each, published on the
// bus as security.event so that the live view and webhooks see them.
import type { AppContext } from '../../context.ts';

export interface SecurityEventInput {
  stationId: string;
  /** the whitepaper's event type, e.g. InvalidChargePointCertificate, or Plugboard's own */
  type: string;
  /** where it was seen: reported by the station, or by Plugboard */
  source: 'station' | 'csms';
  /** ISO 8601; the station's timestamp for station events */
  at: string;
  techInfo?: string;
  critical: boolean;
}

export function createSecurityService(ctx: AppContext) {
  return {
    /** Records one security event and publishes it. */
    async record(event: SecurityEventInput): Promise<void> {
      ctx.bus.publish({ type: 'security.event', stationId: event.stationId, at: event.at, eventType: event.type, source: event.source, critical: event.critical, techInfo: event.techInfo ?? null });
    },
  };
}

export type SecurityService = ReturnType<typeof createSecurityService>;
