// The OCPP versions Plugboard speaks, by their WebSocket subprotocol (OCPP-J 1.6 §3.1.2,
// OCPP 2.0.1 Part 4 §3.1.2). Everything above the protocol layer names a version this way.
export const OCPP_VERSIONS = ['1.6', '2.0.1'] as const;
export type OcppVersion = (typeof OCPP_VERSIONS)[number];

const SUBPROTOCOL: Record<OcppVersion, string> = { '1.6': 'ocpp1.6', '2.0.1': 'ocpp2.0.1' };

export function subprotocolOf(version: OcppVersion): string {
  return SUBPROTOCOL[version];
}

/** The version a negotiated subprotocol names; a connection without one speaks 1.6 (never 2.0.1 by default). */
export function versionOfSubprotocol(protocol: string | null | undefined): OcppVersion {
  return protocol === 'ocpp2.0.1' ? '2.0.1' : '1.6';
}

export function isOcppVersion(v: unknown): v is OcppVersion {
  return v === '1.6' || v === '2.0.1';
}
