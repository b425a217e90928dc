// Names of 2.0.1 variables in the configuration API: component[.instance][/evse[.connector]]/variable[.instance]. Pure.
import type { OCPP20 } from 'typed-ocpp';

type ReportData = NonNullable<OCPP20.NotifyReportRequest['reportData']>[number];
type ComponentT = ReportData['component'];
type VariableT = ReportData['variable'];

export function variableKey(component: { name: string; instance?: string; evse?: { id: number; connectorId?: number } }, variable: { name: string; instance?: string }): string {
  let k = component.name + (component.instance ? `.${component.instance}` : '');
  if (component.evse) k += `/${component.evse.id}${component.evse.connectorId !== undefined ? `.${component.evse.connectorId}` : ''}`;
  return `${k}/${variable.name}${variable.instance ? `.${variable.instance}` : ''}`;
}

/** Parses component[.instance][/evse[.connector]]/variable[.instance]; null when it is not of that form. */
export function parseVariableKey(key: string): { component: ComponentT; variable: VariableT } | null {
  const parts = key.split('/');
  if (parts.length !== 2 && parts.length !== 3) return null;
  const split = (s: string) => {
    const i = s.indexOf('.');
    return i < 0 ? { name: s } : { name: s.slice(0, i), instance: s.slice(i + 1) };
  };
  const c = split(parts[0]!);
  const v = split(parts[parts.length - 1]!);
  if (!c.name || !v.name || c.instance === '' || v.instance === '') return null;
  const component: ComponentT = { name: c.name, ...(c.instance ? { instance: c.instance } : {}) };
  if (parts.length === 3) {
    const m = /^(\d+)(?:\.(\d+))?$/.exec(parts[1]!);
    if (!m) return null;
    component.evse = { id: Number(m[1]), ...(m[2] !== undefined ? { connectorId: Number(m[2]) } : {}) };
  }
  return { component, variable: { name: v.name, ...(v.instance ? { instance: v.instance } : {}) } };
}

