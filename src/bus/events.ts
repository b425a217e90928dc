// Events every module may publish; the dashboard's live view, webhooks and other modules listen.
export type PlugboardEvent =
  | { type: 'station.connected'; stationId: string; at: string; protocol: string; remoteAddress: string }
  | { type: 'station.disconnected'; stationId: string; at: string; code: number; reason: string; replaced: boolean }
  | { type: 'station.booted'; stationId: string; at: string; registrationStatus: string }
  | { type: 'station.heartbeat'; stationId: string; at: string }
  | { type: 'connector.status'; stationId: string; at: string; connectorId: number; status: string; errorCode: string }
  | { type: 'transaction.started'; stationId: string; at: string; transactionId: number; connectorId: number; idTag: string; meterStart: number }
  | { type: 'transaction.stopped'; stationId: string; at: string; transactionId: number; meterStop: number; reason: string }
  | { type: 'meter.values'; stationId: string; at: string; connectorId: number; transactionId: number | null; count: number }
  | { type: 'command.sent'; stationId: string; at: string; action: string }
  | { type: 'command.answered'; stationId: string; at: string; action: string; ok: boolean; error?: string };

export type EventType = PlugboardEvent['type'];
