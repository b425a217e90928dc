// What the dashboard shows for a connector: its effective status (the API's effectiveStatus:
// Offline while the station is disconnected, Unknown when it claims a session none is open for,
// else what it reported) and, when that differs from the report, why and what was last reported.
// Free of browser APIs (Node's tests import it).
import type { ConnectorStatus } from '../api/types.ts';
import { fmtDateTime } from './format.ts';

export interface ConnectorView {
  /** the status to show and count */
  status: string;
  /** what the charger last reported, and when */
  reported: string;
  reportedAt: string;
  /** why status is not the reported one (times in the operator's zone), or null */
  reason: string | null;
  /** one line for a tooltip */
  title: string;
}

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)/g;

/** The API writes instants into reasons as ISO-8601 UTC; people read them in their own zone. */
export function localiseTimes(text: string): string {
  return text.replace(ISO, (iso) => fmtDateTime(iso));
}

export function effectiveStatusOf(c: ConnectorStatus): string {
  return c.effectiveStatus || c.status;
}

export function connectorView(c: ConnectorStatus): ConnectorView {
  const status = effectiveStatusOf(c);
  const reportedAt = fmtDateTime(c.timestamp ?? c.updatedAt);
  const differs = status !== c.status;
  const reason = c.effectiveStatusReason ? localiseTimes(c.effectiveStatusReason) : differs ? `reported ${c.status}` : null;
  const error = c.errorCode !== 'NoError' ? ` (${c.errorCode})` : '';
  const where = c.connectorId === 0 ? 'Charge point' : `Connector ${c.connectorId}`;
  const title = differs ? `${where}: ${status}: ${reason}. Last reported ${c.status}${error} at ${reportedAt}.` : `${where}: ${status}${error} since ${reportedAt}`;
  return { status, reported: c.status, reportedAt, reason: differs ? reason : null, title };
}
