// A charger for the local-list API tests, built on ocpp-rpc in strict mode (it validates every
// CALL Plugboard sends against the official OCA 1.6 schemas). It keeps a real local list the
// way OCPP 1.6 §5.15 describes: a Full update replaces it, a Differential one adds, changes
// and (without idTagInfo) removes entries, and a Differential whose listVersion is not above
// the current one is answered VersionMismatch. Tests may override any answer.
import { RPCClient, createRPCError } from 'ocpp-rpc';
import type { TestApp } from '../helpers/app.ts';

export interface Entry {
  idTag: string;
  idTagInfo?: { status: string; expiryDate?: string; parentIdTag?: string };
}

/** What the charger holds; survives reconnects unless a test clears it (a charger losing its list). */
export class ChargerList {
  version = 0;
  entries = new Map<string, Entry['idTagInfo']>();
  /** also refuse a Full whose version is not above the current one (some chargers do) */
  strictFullVersion = false;

  apply(p: { listVersion: number; updateType: string; localAuthorizationList?: Entry[] }): 'Accepted' | 'VersionMismatch' {
    if (p.listVersion <= this.version && (p.updateType === 'Differential' || this.strictFullVersion)) return 'VersionMismatch';
    if (p.updateType === 'Full') this.entries.clear();
    for (const e of p.localAuthorizationList ?? []) {
      if (e.idTagInfo) this.entries.set(e.idTag, e.idTagInfo);
      else this.entries.delete(e.idTag);
    }
    this.version = p.listVersion;
    return 'Accepted';
  }

  /** idTag -> status, sorted, for comparisons */
  statuses(): Record<string, string> {
    return Object.fromEntries([...this.entries].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, v!.status]));
  }
}

export interface StrictCharger {
  client: RPCClient;
  list: ChargerList;
  /** every CALL from Plugboard: method and params */
  received: Array<{ method: string; params: any }>;
  /** what ocpp-rpc strict mode found wrong in Plugboard's CALLs (must stay empty) */
  failures: unknown[];
  config: Record<string, string>;
  /** answer overrides; return undefined to fall back to the list's own behaviour */
  answers: {
    SendLocalList?: (p: any) => string | undefined;
    GetLocalListVersion?: () => number | undefined;
  };
  close(): Promise<void>;
}

export interface StrictChargerOptions {
  config?: Record<string, string>;
  list?: ChargerList;
  /** reply to these with a CALLERROR NotImplemented */
  notImplemented?: string[];
  /** never answer these while the set holds them (the set may be changed later) */
  hang?: Set<string>;
  boot?: boolean;
}

export async function strictCharger(app: TestApp, identity: string, opts: StrictChargerOptions = {}): Promise<StrictCharger> {
  const client = new RPCClient({
    endpoint: app.ocppUrl(),
    identity,
    protocols: ['ocpp1.6'],
    strictMode: true,
    reconnect: false,
  } as ConstructorParameters<typeof RPCClient>[0]);
  const charger: StrictCharger = {
    client,
    list: opts.list ?? new ChargerList(),
    received: [],
    failures: [],
    config: { LocalAuthListEnabled: 'true', LocalAuthListMaxLength: '1000', SendLocalListMaxLength: '1000', ...opts.config },
    answers: {},
    close: () => client.close({ force: true }).then(() => undefined),
  };
  client.on('strictValidationFailure', (f: unknown) => charger.failures.push(f));
  const notImplemented = new Set(opts.notImplemented ?? []);
  const handle = (method: string, reply: (params: any) => Record<string, unknown>) =>
    client.handle(method, async ({ params }) => {
      charger.received.push({ method, params });
      if (notImplemented.has(method)) throw createRPCError('NotImplemented', `${method} is not implemented here`);
      if (opts.hang?.has(method)) return new Promise<never>(() => {});
      return reply(params);
    });
  handle('GetConfiguration', (p) => {
    const keys: string[] = p.key?.length ? p.key : Object.keys(charger.config);
    return {
      configurationKey: keys.filter((k) => k in charger.config).map((k) => ({ key: k, readonly: true, value: charger.config[k] })),
      unknownKey: keys.filter((k) => !(k in charger.config)),
    };
  });
  handle('GetLocalListVersion', () => ({ listVersion: charger.answers.GetLocalListVersion?.() ?? charger.list.version }));
  handle('SendLocalList', (p) => ({ status: charger.answers.SendLocalList?.(p) ?? charger.list.apply(p) }));
  handle('ClearCache', () => ({ status: 'Accepted' }));
  await client.connect();
  if (opts.boot !== false) {
    const boot = (await client.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'LocalList' })) as { status: string };
    if (boot.status !== 'Accepted') throw new Error(`${identity} not Accepted: ${JSON.stringify(boot)}`);
  }
  return charger;
}

/** The actions the charger received, in order. */
export const actions = (c: StrictCharger) => c.received.map((r) => r.method);
