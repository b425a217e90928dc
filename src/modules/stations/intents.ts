// Station commands in Plugboard's terms (ADR 0014), translated per version in ocpp16.ts / ocpp201.ts.
// Topology: a 1.6 connector n is EVSE n with connector 1; 1.6 connector 0 / EVSE 0 is the station.

/** Reset the station (no evseId, or 0) or one EVSE (2.0.1 only), now or when idle. */
export interface ResetIntent {
  when: 'now' | 'idle';
  evseId?: number;
}

/** Set the station (evseId 0 or none), an EVSE, or a connector within it (2.0.1) operative or inoperative. */
export interface AvailabilityIntent {
  operative: boolean;
  evseId?: number;
  /** the connector within the EVSE (2.0.1); a 1.6 EVSE has connector 1 only */
  connectorId?: number;
}

/** Unlock a connector: EVSE n (1.6 connector n), and the connector within it (default 1). */
export interface UnlockIntent {
  evseId: number;
  connectorId?: number;
}
