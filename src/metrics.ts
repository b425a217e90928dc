// Prometheus metrics (served at /metrics). prom-client is the de-facto standard exporter;
// one registry per app instance so tests can run several apps in one process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  connectedChargers: Gauge;
  messagesIn: Counter<'action' | 'type'>;
  messagesOut: Counter<'action' | 'type'>;
  errors: Counter<'kind' | 'code'>;
  callLatency: Histogram<'action'>;
  commandLatency: Histogram<'action'>;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'plugboard_' });
  const registers = [registry];
  return {
    registry,
    connectedChargers: new Gauge({ name: 'plugboard_connected_chargers', help: 'Chargers with a live OCPP connection', registers }),
    messagesIn: new Counter({ name: 'plugboard_ocpp_messages_in_total', help: 'OCPP frames received, by action and message type', labelNames: ['action', 'type'], registers }),
    messagesOut: new Counter({ name: 'plugboard_ocpp_messages_out_total', help: 'OCPP frames sent, by action and message type', labelNames: ['action', 'type'], registers }),
    errors: new Counter({ name: 'plugboard_errors_total', help: 'Errors by kind (callerror_sent, callerror_received, bad_frame, command_timeout, ...) and OCPP error code', labelNames: ['kind', 'code'], registers }),
    callLatency: new Histogram({
      name: 'plugboard_ocpp_call_duration_seconds',
      help: 'Time to handle a charger-initiated CALL, including the database commit',
      labelNames: ['action'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    commandLatency: new Histogram({
      name: 'plugboard_ocpp_command_duration_seconds',
      help: 'Round trip of a command sent to a charger, until its answer',
      labelNames: ['action'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}

export const FRAME_TYPE_NAMES: Record<number, string> = { 0: 'invalid', 2: 'CALL', 3: 'CALLRESULT', 4: 'CALLERROR' };
