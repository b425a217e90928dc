// The event types on the bus, as a runtime list, and the filters the SSE stream and webhooks
// share: event types (exact, `group.*` or `*`) and station ids, each repeatable or comma-separated.
import type { EventType, PlugboardEvent } from '../../bus/events.ts';

export const EVENT_TYPES = [
  'station.connected',
  'station.disconnected',
  'station.booted',
  'station.heartbeat',
  'connector.status',
  'transaction.started',
  'transaction.stopped',
  'meter.values',
  'command.sent',
  'command.answered',
  'reservation.updated',
  'token.changed',
  'local-list.updated',
  'security.event',
  'certificate.csr_received',
] as const satisfies readonly EventType[];

// Compile-time proof that the list names every event of the bus, not just some.
const _allEventTypesListed: [Exclude<EventType, (typeof EVENT_TYPES)[number]>] extends [never] ? true : never = true;

const KNOWN: ReadonlySet<string> = new Set(EVENT_TYPES);
const GROUPS: ReadonlySet<string> = new Set(EVENT_TYPES.map((t) => t.slice(0, t.indexOf('.'))));

/** `a,b` and repeated parameters alike: trimmed, empty entries dropped, duplicates removed. */
export function splitList(values: string | readonly string[] | undefined): string[] {
  if (values === undefined) return [];
  const list = typeof values === 'string' ? [values] : values;
  return [...new Set(list.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean))];
}

/** The patterns that name no event type; an empty result means every pattern is valid. */
export function unknownTypePatterns(patterns: readonly string[]): string[] {
  return patterns.filter((p) => p !== '*' && !KNOWN.has(p) && !(p.endsWith('.*') && GROUPS.has(p.slice(0, -2))));
}

export const TYPE_PATTERN_HELP = `an event type (${EVENT_TYPES.join(', ')}), a group such as transaction.*, or *`;

/** A predicate over event types; no pattern (or `*`) matches everything. */
export function typeMatcher(patterns: readonly string[]): (type: string) => boolean {
  if (patterns.length === 0 || patterns.includes('*')) return () => true;
  const exact = new Set(patterns.filter((p) => !p.endsWith('.*')));
  const groups = patterns.filter((p) => p.endsWith('.*')).map((p) => p.slice(0, -1));
  return (type) => exact.has(type) || groups.some((g) => type.startsWith(g));
}

export interface EventFilter {
  types?: readonly string[];
  stationIds?: readonly string[] | null;
}

export function eventMatcher(filter: EventFilter): (event: PlugboardEvent) => boolean {
  const typeOk = typeMatcher(filter.types ?? []);
  const stations = filter.stationIds?.length ? new Set(filter.stationIds) : null;
  return (event) => typeOk(event.type) && (stations === null || stations.has(event.stationId));
}
