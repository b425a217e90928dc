// Events every module may publish; the dashboard's live view, webhooks and other modules listen.
export type PlugboardEvent =
  | { type: 'station.connected'; stationId: string; at: string; protocol: string; remoteAddress: string }
  | { type: 'station.disconnected'; stationId: string; at: string; code: number; reason: string; replaced: boolean }
  | { type: 'station.booted'; stationId: string; at: string; registrationStatus: string; /** 2.0.1 boot reason */ reason?: string }
  | { type: 'station.heartbeat'; stationId: string; at: string }
  | { type: 'connector.status'; stationId: string; at: string; connectorId: number; status: string; errorCode: string }
  | { type: 'transaction.started'; stationId: string; at: string; transactionId: number; connectorId: number; idTag: string; meterStart: number }
  | { type: 'transaction.stopped'; stationId: string; at: string; transactionId: number; meterStop: number | null; reason: string }
  | { type: 'meter.values'; stationId: string; at: string; connectorId: number; transactionId: number | null; count: number }
  | { type: 'command.sent'; stationId: string; at: string; action: string }
  | { type: 'command.answered'; stationId: string; at: string; action: string; ok: boolean; error?: string }
  // Not about one station: stationId is '' (a station filter never matches it). idTags lists at most
  // 100 of the `count` tokens changed; parentIdTags are the groups the changed tokens belong to now.
  | { type: 'token.changed'; stationId: string; at: string; change: 'created' | 'updated' | 'deleted' | 'imported'; count: number; idTags: string[]; parentIdTags: string[] }
  | { type: 'local-list.updated'; stationId: string; at: string; updateType: 'Full' | 'Differential'; listVersion: number; status: string; entryCount: number }
  | { type: 'reservation.updated'; stationId: string; at: string; reservationId: number; connectorId: number; status: string; transactionId: number | null }
  // source: reported by the station (SecurityEventNotification) or seen by Plugboard (a refused certificate, ...)
  | { type: 'security.event'; stationId: string; at: string; eventType: string; source: 'station' | 'csms'; critical: boolean; techInfo: string | null }
  // A station's CSR awaits the external CA (certificates.signer 'external'): sign csr, then POST /certificate-requests/{requestId}/certificate
  | { type: 'certificate.csr_received'; stationId: string; at: string; requestId: number; subject: string; keyType: string; csr: string };

export type EventType = PlugboardEvent['type'];
