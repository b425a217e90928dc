// The stations' REST shapes (TypeBox, so they are validated and documented) and the mapping from
// stored rows (snake_case) to them. The password hash never leaves: only whether there is one.
import { Type, type Static } from 'typebox';
import type { Selectable } from 'kysely';
import type { ConnectorStatusTable, Station, StatusHistoryTable, UnknownStationsTable } from '../../db/schema.ts';
import { DateTime, Nullable } from '../../http/list-query.ts';
import { decodeOcppVersions } from './versions.ts';
import { versionOfSubprotocol, type OcppVersion } from '../../protocol/versions.ts';
import { MAX_STATION_PASSWORD_LENGTH, MIN_STATION_PASSWORD_LENGTH } from './password-rules.ts';

export const RegistrationStatus = Type.Union([Type.Literal('Accepted'), Type.Literal('Pending'), Type.Literal('Rejected')], {
  description: 'answer to the next BootNotification (OCPP 1.6 §4.2)',
});
export const SecurityProfile = Nullable(
  Type.Integer({
    minimum: 0,
    maximum: 3,
    description: 'OCPP Security Whitepaper profile: 0 none, 1 Basic auth, 2 TLS + Basic auth, 3 TLS client certificate (no password); null: the configured default applies',
  }),
);
export const OcppVersions = Nullable(
  Type.Array(Type.Union([Type.Literal('1.6'), Type.Literal('2.0.1')]), {
    minItems: 1,
    uniqueItems: true,
    description: 'the OCPP versions the station may connect with (the newest one it offers is picked); null: those of the ocpp.versions setting',
  }),
);
// Security Whitepaper 1.6, AuthorizationKey: 16 to 20 bytes, written as at most 40 characters (password-rules.ts).
export const StationPassword = Type.String({ minLength: MIN_STATION_PASSWORD_LENGTH, maxLength: MAX_STATION_PASSWORD_LENGTH, description: 'HTTP Basic password (AuthorizationKey); stored hashed, never returned' });

export const ConnectorStatus = Type.Object(
  {
    connectorId: Type.Integer({ description: '0 = the charge point as a whole' }),
    status: Type.String(),
    errorCode: Type.String(),
    info: Nullable(Type.String()),
    vendorId: Nullable(Type.String()),
    vendorErrorCode: Nullable(Type.String()),
    timestamp: Nullable(DateTime('as reported by the charger')),
    updatedAt: DateTime('when Plugboard received it'),
    effectiveStatus: Type.String({
      description:
        'what to believe now: `status` as reported; `Offline` while the station has no live connection; `Unknown` when `status` claims a session (Charging, SuspendedEV, SuspendedEVSE) but no transaction is open on the connector',
    }),
    effectiveStatusReason: Nullable(Type.String({ description: 'why effectiveStatus differs from status (e.g. "station disconnected since ..."); null when it does not' })),
  },
  { title: 'ConnectorStatus' },
);

export const StationBody = Type.Object(
  {
    id: Type.String({ description: 'charge point identity (the last segment of its OCPP URL)' }),
    registrationStatus: RegistrationStatus,
    securityProfile: SecurityProfile,
    effectiveSecurityProfile: Type.Integer({ description: 'the profile the charger must connect with' }),
    hasPassword: Type.Boolean(),
    connected: Type.Boolean({ description: 'has a live OCPP connection to this server now' }),
    vendor: Nullable(Type.String()),
    model: Nullable(Type.String()),
    chargePointSerialNumber: Nullable(Type.String()),
    chargeBoxSerialNumber: Nullable(Type.String()),
    firmwareVersion: Nullable(Type.String()),
    iccid: Nullable(Type.String()),
    imsi: Nullable(Type.String()),
    meterType: Nullable(Type.String()),
    meterSerialNumber: Nullable(Type.String()),
    ocppProtocol: Nullable(Type.String({ description: 'the subprotocol of its latest connection (ocpp1.6, ocpp2.0.1); null: none negotiated (OCPP 1.6) or never connected' })),
    ocppVersion: Type.Union([Type.Literal('1.6'), Type.Literal('2.0.1')], { description: 'the OCPP version it speaks: its latest connection\'s (never connected: 1.6)' }),
    ocppVersions: OcppVersions,
    lastBootAt: Nullable(DateTime()),
    lastSeenAt: Nullable(DateTime('the latest message from the charger')),
    lastConnectedAt: Nullable(DateTime()),
    lastDisconnectedAt: Nullable(DateTime()),
    createdAt: DateTime(),
    updatedAt: DateTime(),
    connectors: Type.Array(ConnectorStatus, { description: 'current status of connector 0 and each connector' }),
  },
  { title: 'Station' },
);

export const StatusHistoryEntry = Type.Object({
  id: Type.Integer(),
  connectorId: Type.Integer(),
  status: Type.String(),
  errorCode: Type.String(),
  info: Nullable(Type.String()),
  vendorId: Nullable(Type.String()),
  vendorErrorCode: Nullable(Type.String()),
  timestamp: Nullable(DateTime('as reported by the charger')),
  receivedAt: DateTime(),
});

export const UnknownStation = Type.Object({
  id: Type.String({ description: 'the identity the charger connected with' }),
  firstSeenAt: DateTime(),
  lastSeenAt: DateTime(),
  lastRemoteAddress: Nullable(Type.String()),
  attempts: Type.Integer(),
});

type ConnectorRow = Selectable<ConnectorStatusTable> & { effectiveStatus: string; effectiveStatusReason: string | null };

export function toConnectorStatus(r: ConnectorRow): Static<typeof ConnectorStatus> {
  return {
    connectorId: r.connector_id,
    status: r.status,
    errorCode: r.error_code,
    info: r.info,
    vendorId: r.vendor_id,
    vendorErrorCode: r.vendor_error_code,
    timestamp: r.timestamp,
    updatedAt: r.updated_at,
    effectiveStatus: r.effectiveStatus,
    effectiveStatusReason: r.effectiveStatusReason,
  };
}

export function toStation(s: Station, live: { connected: boolean; liveVersion?: OcppVersion; defaultSecurityProfile: number; connectors: ConnectorRow[] }) {
  return {
    id: s.id,
    registrationStatus: s.registration_status,
    securityProfile: s.security_profile,
    effectiveSecurityProfile: s.security_profile ?? live.defaultSecurityProfile,
    hasPassword: s.password_hash !== null,
    connected: live.connected,
    vendor: s.vendor,
    model: s.model,
    chargePointSerialNumber: s.charge_point_serial,
    chargeBoxSerialNumber: s.charge_box_serial,
    firmwareVersion: s.firmware_version,
    iccid: s.iccid,
    imsi: s.imsi,
    meterType: s.meter_type,
    meterSerialNumber: s.meter_serial,
    ocppProtocol: s.ocpp_protocol,
    ocppVersion: live.liveVersion ?? versionOfSubprotocol(s.ocpp_protocol),
    ocppVersions: decodeOcppVersions(s.ocpp_versions),
    lastBootAt: s.last_boot_at,
    lastSeenAt: s.last_seen_at,
    lastConnectedAt: s.last_connected_at,
    lastDisconnectedAt: s.last_disconnected_at,
    createdAt: s.created_at,
    updatedAt: s.updated_at,
    connectors: live.connectors.map(toConnectorStatus),
  };
}

export function toHistoryEntry(r: Selectable<StatusHistoryTable>): Static<typeof StatusHistoryEntry> {
  return {
    id: Number(r.id),
    connectorId: r.connector_id,
    status: r.status,
    errorCode: r.error_code,
    info: r.info,
    vendorId: r.vendor_id,
    vendorErrorCode: r.vendor_error_code,
    timestamp: r.timestamp,
    receivedAt: r.received_at,
  };
}

export function toUnknownStation(r: Selectable<UnknownStationsTable>): Static<typeof UnknownStation> {
  return { id: r.id, firstSeenAt: r.first_seen_at, lastSeenAt: r.last_seen_at, lastRemoteAddress: r.last_remote_address, attempts: Number(r.attempts) };
}
