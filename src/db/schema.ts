// Table types for Kysely. Every module's store.ts queries these; the migrations in
// migrations.ts create them identically on SQLite and PostgreSQL.
//
// Conventions (ADR 0002): timestamps are ISO-8601 UTC strings (`...Z`), booleans are
// integers 0/1, energy in integer Wh, JSON documents as text. This keeps one schema and one
// set of queries valid on both dialects.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Auto-generated integer key; PostgreSQL returns BIGSERIAL as string, the db layer parses it to number. */
type Id = Generated<number>;

export interface StationsTable {
  id: string; // OCPP charge point identity, as decoded from the URL
  registration_status: 'Accepted' | 'Pending' | 'Rejected';
  /** null = the configured default security profile applies */
  security_profile: number | null;
  /** scrypt hash of the HTTP Basic auth password (AuthorizationKey), never the password */
  password_hash: string | null;
  /** keyed verifier of the same password (ADR 0008, password-verifier.ts); null until the next successful login for passwords set before 0006 */
  password_verifier: string | null;
  vendor: string | null;
  model: string | null;
  charge_point_serial: string | null;
  charge_box_serial: string | null;
  firmware_version: string | null;
  iccid: string | null;
  imsi: string | null;
  meter_type: string | null;
  meter_serial: string | null;
  ocpp_protocol: string | null;
  /** the OCPP versions it may connect with, comma-separated ("1.6,2.0.1"); null = those of ocpp.versions (migration 0013) */
  ocpp_versions: string | null;
  last_boot_at: string | null;
  last_seen_at: string | null;
  last_connected_at: string | null;
  last_disconnected_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ConnectorStatusTable {
  station_id: string;
  connector_id: number; // 0 = the charge point as a whole
  status: string;
  error_code: string;
  info: string | null;
  vendor_id: string | null;
  vendor_error_code: string | null;
  timestamp: string | null; // as reported by the charger
  updated_at: string; // when Plugboard received it
}

export interface StatusHistoryTable {
  id: Id;
  station_id: string;
  connector_id: number;
  status: string;
  error_code: string;
  info: string | null;
  vendor_id: string | null;
  vendor_error_code: string | null;
  timestamp: string | null;
  received_at: string;
}

export interface IdTagsTable {
  id_tag: string;
  parent_id_tag: string | null;
  status: 'Accepted' | 'Blocked' | 'Expired' | 'Invalid';
  expiry_date: string | null;
  /** 1 = the token may be used in more than one transaction at a time */
  allow_concurrent: number;
  /** a 2.0.1 IdTokenEnumType, or null: untyped, matching its value of any type (ADR 0014) */
  type: string | null;
  created_at: string;
  updated_at: string;
}

export interface TransactionsTable {
  id: Id; // the OCPP 1.6 transactionId, allocated by Plugboard
  station_id: string;
  connector_id: number;
  id_tag: string;
  start_id_tag_status: string;
  reservation_id: number | null;
  meter_start: number;
  start_timestamp: string;
  meter_stop: number | null;
  stop_timestamp: string | null;
  stop_reason: string | null;
  stop_id_tag: string | null;
  received_start_at: string;
  received_stop_at: string | null;
  /** the charger's transaction id as given: String(id) on 1.6, the station's string on 2.0.1 (unique per station) */
  external_id: string | null;
  /** 1.6: the connector id */
  evse_id: number | null;
  ocpp_version: Generated<string>;
  /** 2.0.1 ChargingStateEnumType, latest reported */
  charging_state: string | null;
  remote_start_id: number | null;
  /** the highest 2.0.1 seqNo applied */
  last_seq_no: number | null;
  /** 2.0.1 IdTokenEnumType; null for a 1.6 idTag */
  id_token_type: string | null;
}

/** An event of a 2.0.1 session (TransactionEvent), one per (transaction, seqNo). */
export interface TransactionEventsTable {
  id: Id;
  transaction_id: number;
  station_id: string;
  seq_no: number;
  event_type: string;
  trigger_reason: string;
  timestamp: string;
  offline: Generated<number>;
  charging_state: string | null;
  id_token: string | null;
  id_token_type: string | null;
  stopped_reason: string | null;
  /** the TransactionEvent request as sent, JSON */
  raw: string;
  received_at: string;
}

/** A StopTransaction that matched no known transaction (errata 3.18: -1, or an unknown id). */
export interface OrphanStopsTable {
  id: Id;
  station_id: string;
  reported_transaction_id: number;
  id_tag: string | null;
  meter_stop: number;
  timestamp: string;
  reason: string | null;
  transaction_data: string | null; // JSON, verbatim
  received_at: string;
}

export interface MeterValuesTable {
  id: Id;
  station_id: string;
  connector_id: number;
  transaction_id: number | null;
  /** 'MeterValues' | 'StopTransaction' */
  source: string;
  timestamp: string;
  value: string; // verbatim: a decimal for Raw, the signed blob for SignedData
  measurand: string;
  phase: string | null;
  unit: string;
  context: string;
  location: string;
  format: string;
  received_at: string;
}

export interface MessageLogTable {
  id: Id;
  station_id: string;
  direction: 'in' | 'out';
  message_type: number; // 2 CALL, 3 CALLRESULT, 4 CALLERROR, 0 unparseable
  message_id: string | null;
  action: string | null; // for CALLRESULT/CALLERROR: the action of the CALL answered
  frame: string; // the frame text as sent/received
  created_at: string;
}

export interface ApiKeysTable {
  id: Id;
  name: string;
  /** the public part of the key (`pb_<prefix>_<secret>`), to find the row without scanning */
  prefix: string;
  /** SHA-256 of the whole key: keys are 256-bit random, so a fast hash is safe (ADR 0005) */
  key_hash: string;
  role: 'admin' | 'read';
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface WebhooksTable {
  id: Id;
  url: string;
  description: string | null;
  /** JSON array of event types, ["*"] for all */
  event_types: string;
  /** JSON array of station ids, null for all */
  station_ids: string | null;
  /** HMAC signing secret, encrypted at rest with the instance key (ADR 0005) */
  secret_encrypted: string;
  /** the URL's `user:pass@` as sealed JSON { username, password } (ADR 0013); null without; never in `url` */
  url_credentials_encrypted: string | null;
  active: number;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveriesTable {
  id: Id;
  webhook_id: number;
  event_type: string;
  payload: string; // JSON, exactly the body sent
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  response_status: number | null;
  /** what went wrong, in Plugboard's words (never the receiver's answer body) */
  last_error: string | null;
  /** http_status, redirect, timeout, connection_refused, ... (send.ts ErrorClass) */
  error_class: string | null;
  created_at: string;
}

/** idTags that chargers presented and Plugboard did not know. */
export interface UnknownIdTagsTable {
  id_tag: string;
  first_seen_at: string;
  last_seen_at: string;
  last_station_id: string;
  count: number;
}

/** Identities that tried to connect and are not registered (refused with 404). */
export interface UnknownStationsTable {
  id: string;
  first_seen_at: string;
  last_seen_at: string;
  last_remote_address: string | null;
  attempts: number;
}

/** A reservation Plugboard asked a charger to hold (ReserveNow), and what became of it. */
export interface ReservationsTable {
  id: Id; // the OCPP reservationId, allocated by Plugboard (int4)
  station_id: string;
  connector_id: number; // 0 = any connector of the station
  id_tag: string;
  parent_id_tag: string | null;
  expiry_date: string;
  /** Requested, then the charger's answer (Accepted, Faulted, Occupied, Rejected, Unavailable) or Failed; then Used, Expired or Cancelled */
  status: 'Requested' | 'Accepted' | 'Faulted' | 'Occupied' | 'Rejected' | 'Unavailable' | 'Failed' | 'Used' | 'Expired' | 'Cancelled';
  /** the transaction whose StartTransaction carried this reservationId */
  transaction_id: number | null;
  /** what did not go as expected: a failure, a refused cancel, a use that did not match the reservation */
  note: string | null;
  created_at: string;
  updated_at: string;
  /** when it stopped being active (answered with a refusal, used, expired, cancelled, failed) */
  ended_at: string | null;
}

/** A firmware image in the repository; its bytes are a file under files.directory/firmware. */
export interface FirmwareFilesTable {
  id: Id;
  name: string;
  version: string | null;
  /** the name chargers see at the end of the download URL */
  filename: string;
  size_bytes: number;
  sha256: string; // hex
  /** unguessable path segment of the download URL on the charger listener */
  download_token: string;
  /** the file's name on disk (random, never derived from what an operator typed) */
  stored_name: string;
  created_at: string;
  /** base64 signature of the image (Security Whitepaper SignedUpdateFirmware), null when unsigned */
  signature: string | null;
  /** PEM X.509 certificate whose public key verifies the signature */
  signing_certificate: string | null;
  /** plugboard: signed with the configured firmware signing key; vendor: stored through the API */
  signature_source: 'plugboard' | 'vendor' | null;
  /** 1 when Plugboard verified the signature against the image, 0 when the operator stored it unverified */
  signature_verified: number | null;
  signed_at: string | null;
}

/** One UpdateFirmware sent (or attempted) to a charger, and how it went. */
export interface FirmwareUpdatesTable {
  id: Id;
  station_id: string;
  /** the repository file, when the location is one of ours */
  firmware_id: number | null;
  campaign_id: number | null;
  location: string;
  retrieve_date: string;
  retries: number | null;
  retry_interval: number | null;
  /** sending: not answered yet; accepted: the charger confirmed (UpdateFirmware.conf, SignedUpdateFirmware.conf Accepted); rejected: SignedUpdateFirmware.conf refused it (see failure); error: not delivered (see error) */
  command_status: 'sending' | 'accepted' | 'rejected' | 'error';
  error: string | null;
  /** the last FirmwareStatusNotification linked to this update (OCPP 1.6 §7.25) */
  firmware_status: string | null;
  firmware_status_at: string | null;
  firmware_version_before: string | null;
  /** firmwareVersion of the first BootNotification after the new firmware was downloaded */
  firmware_version_after: string | null;
  booted_at: string | null;
  requested_at: string;
  /** 1: a SignedUpdateFirmware, whose requestId is this row's id */
  signed: Generated<number>;
  install_date: string | null;
  /** SHA-256 fingerprint (AA:BB:...) of the signing certificate sent */
  signing_certificate_sha256: string | null;
  /** what ended the update unsuccessfully: a failure status the charger reported, or its refusal of the request */
  failure: string | null;
}

/** Every FirmwareStatusNotification, in arrival order, linked to the update it most likely reports on. */
export interface FirmwareStatusHistoryTable {
  id: Id;
  station_id: string;
  update_id: number | null;
  status: string;
  received_at: string;
}

/** One GetDiagnostics sent (or attempted) to a charger. */
export interface DiagnosticsRequestsTable {
  id: Id;
  station_id: string;
  /** the path segment of our upload URL; null when the operator gave another location */
  upload_token: string | null;
  location: string;
  start_time: string | null;
  stop_time: string | null;
  retries: number | null;
  retry_interval: number | null;
  command_status: 'sending' | 'accepted' | 'error';
  error: string | null;
  /** GetDiagnostics.conf fileName; absent when the charger has no diagnostics to give */
  file_name: string | null;
  /** the last DiagnosticsStatusNotification linked to this request */
  diagnostics_status: string | null;
  diagnostics_status_at: string | null;
  /** the upload URL is refused after this */
  expires_at: string | null;
  requested_at: string;
  /** which command: GetLog requests share the receiver, the tokens and the files (migration 0009) */
  kind: ColumnType<'GetDiagnostics' | 'GetLog', 'GetDiagnostics' | 'GetLog' | undefined, 'GetDiagnostics' | 'GetLog'>;
  /** GetLog: SecurityLog | DiagnosticsLog */
  log_type: string | null;
  /** GetLog.conf status: Accepted, Rejected, AcceptedCanceled */
  answer_status: string | null;
}

export interface DiagnosticsStatusHistoryTable {
  id: Id;
  station_id: string;
  request_id: number | null;
  status: string;
  received_at: string;
}

/** A device model report (NotifyReport parts) of a 2.0.1 station: asked by Plugboard (id = requestId) or unasked. */
export interface DeviceModelReportsTable {
  id: Id;
  station_id: string;
  request_id: number;
  /** GetBaseReport:<reportBase>, GetReport or Unrequested */
  kind: string;
  /** GetReport's componentVariable / componentCriteria as JSON */
  criteria: string | null;
  /** Requested | Rejected | InProgress | Complete */
  status: string;
  answer_status: string | null;
  last_seq_no: number | null;
  parts: Generated<number>;
  variables: Generated<number>;
  generated_at: string | null;
  requested_at: string;
  completed_at: string | null;
}

/** One variable of a 2.0.1 station's device model (absent instance '', absent EVSE/connector -1). */
export interface DeviceModelVariablesTable {
  id: Id;
  station_id: string;
  component: string;
  component_instance: Generated<string>;
  evse_id: Generated<number>;
  connector_id: Generated<number>;
  variable: string;
  variable_instance: Generated<string>;
  /** JSON VariableAttributeType[] */
  attributes: string;
  /** JSON VariableCharacteristicsType or null */
  characteristics: string | null;
  request_id: number | null;
  updated_at: string;
}

/** A security event of a station: reported by it (SecurityEventNotification) or seen by Plugboard. */
export interface SecurityEventsTable {
  id: Id;
  station_id: string;
  type: string;
  source: 'station' | 'csms';
  /** the event's own time (the station's timestamp for station events) */
  timestamp: string;
  tech_info: string | null;
  /** 1 = critical */
  critical: number;
  received_at: string;
}

/** A file a charger uploaded to our diagnostics receiver. */
export interface DiagnosticsFilesTable {
  id: Id;
  station_id: string;
  request_id: number;
  filename: string;
  stored_name: string;
  size_bytes: number;
  sha256: string;
  content_type: string | null;
  remote_address: string | null;
  uploaded_at: string;
}

/** A firmware rollout to many stations, a wave at a time. */
export interface FirmwareCampaignsTable {
  id: Id;
  firmware_id: number;
  location: string;
  retrieve_date: string | null;
  retries: number | null;
  retry_interval: number | null;
  wave_size: number;
  failure_threshold: number;
  failure_threshold_unit: 'count' | 'percent';
  wave_timeout_seconds: number;
  /** 1: the stations get SignedUpdateFirmware */
  signed: Generated<number>;
  status: 'running' | 'completed' | 'stopped' | 'cancelled';
  current_wave: number;
  stop_reason: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface FirmwareCampaignStationsTable {
  campaign_id: number;
  station_id: string;
  /** order in which stations are taken into waves */
  position: number;
  wave: number | null;
  state: 'pending' | 'updating' | 'installed' | 'failed' | 'timed_out' | 'skipped' | 'cancelled';
  update_id: number | null;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
}

/** A station whose local authorization list Plugboard manages (OCPP 1.6 §3.5, §5.15). */
export interface LocalListStationsTable {
  station_id: string;
  /** which tokens the list holds: 'all', 'parents' (tokens of these groups), 'idTags' (these tokens), 'none' */
  scope: 'all' | 'parents' | 'idTags' | 'none';
  /** JSON array: the parentIdTags or idTags of the scope */
  scope_values: string | null;
  /** 1 = the operator chose to manage this list (settings or a sync through the API): auto-sync applies */
  managed: number;
  auto_sync: number;
  /** 1 = a Differential never carries deletions (a removal goes out as a Full update) */
  omit_differential_deletions: number;
  /** configured LocalAuthListMaxLength / SendLocalListMaxLength; null = as read from the charger */
  list_max_length: number | null;
  send_max_length: number | null;
  /** the charger's own values (GetConfiguration), cached */
  charger_list_max_length: number | null;
  charger_send_max_length: number | null;
  limits_read_at: string | null;
  limits_error: string | null;
  /** 1 supported, 0 the charger said NotSupported (or listVersion -1), null not known yet */
  supported: number | null;
  /** the listVersion of the charger's last Accepted SendLocalList; 0 = none */
  acknowledged_version: number;
  acknowledged_at: string | null;
  /** highest listVersion ever sent: new versions go above it and above what the charger reported */
  last_sent_version: number;
  /** the charger's answer to the last GetLocalListVersion */
  reported_version: number | null;
  reported_at: string | null;
  /** 1 = what the charger holds is uncertain (mismatch, failure, timeout): the next update is Full */
  needs_full: number;
  /** the last SendLocalList answer (Accepted, Failed, NotSupported, VersionMismatch) or error code */
  last_status: string | null;
  last_error: string | null;
  last_sync_at: string | null;
  created_at: string;
  updated_at: string;
}

/** What a charger holds in its local authorization list, as of its acknowledged version. */
export interface LocalListEntriesTable {
  station_id: string;
  id_tag: string;
  status: 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';
  expiry_date: string | null;
  parent_id_tag: string | null;
}

/** One SendLocalList sent to a charger and its answer. */
export interface LocalListUpdatesTable {
  id: Id;
  station_id: string;
  /** what started it: 'api', 'tokens' (token changes), 'reconnect' */
  cause: string;
  update_type: 'Full' | 'Differential';
  list_version: number;
  entry_count: number;
  /** entries without idTagInfo (Differential removals) */
  deletions: number;
  /** the charger's answer; null when none came (error) */
  status: string | null;
  error: string | null;
  sent_at: string;
  answered_at: string | null;
}

/** Smart charging: the profiles a station holds, as Plugboard knows them (one row per profile). */
export interface ChargingProfilesTable {
  id: Id;
  station_id: string;
  /** 0 = the charge point as a whole */
  connector_id: number;
  /** the OCPP chargingProfileId, unique per station */
  charging_profile_id: number;
  purpose: 'ChargePointMaxProfile' | 'TxDefaultProfile' | 'TxProfile';
  stack_level: number;
  kind: 'Absolute' | 'Recurring' | 'Relative';
  /** TxProfile: the transaction it belongs to */
  transaction_id: number | null;
  valid_from: string | null;
  valid_to: string | null;
  /** the csChargingProfiles object the station accepted, JSON */
  profile: string;
  /** the message that installed it: SetChargingProfile or RemoteStartTransaction */
  source: 'SetChargingProfile' | 'RemoteStartTransaction';
  installed_at: string;
}

/** Smart charging limits of a station (OCPP 1.6 §9.4 keys); null = unknown, not enforced. */
export interface ChargingLimitsTable {
  station_id: string;
  max_stack_level: number | null;
  max_periods: number | null;
  /** 'A', 'W' or 'A,W' */
  allowed_rate_units: string | null;
  max_profiles_installed: number | null;
  /** charger: read with GetConfiguration (forgotten at its next boot); operator: set through the API */
  source: 'charger' | 'operator';
  updated_at: string;
}

/** A CSR a station sent (SignCertificate) that passed the checks, and what became of it. */
export interface CertificateRequestsTable {
  id: Id;
  station_id: string;
  csr: string;
  subject: string;
  /** rsa, ec-p256, ec-p384 */
  key_type: string;
  /** SHA-256 of the CSR's SubjectPublicKeyInfo: a posted chain's leaf must carry this key */
  public_key_hash: string;
  signer: 'builtin' | 'external';
  /** pending: waiting for the external CA's chain; sending: CertificateSigned sent; accepted/rejected: the station's answer; failed: signing or sending failed */
  status: 'pending' | 'sending' | 'accepted' | 'rejected' | 'failed';
  certificate_id: number | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

/** A station certificate Plugboard issued (built-in CA) or sent (external CA). */
export interface IssuedCertificatesTable {
  id: Id;
  station_id: string;
  request_id: number | null;
  /** lower-case hex, no leading zeros */
  serial_number: string;
  /** SHA-256 of the DER, lower-case hex */
  fingerprint256: string;
  subject: string;
  issuer: string;
  not_before: string;
  not_after: string;
  /** the leaf certificate */
  pem: string;
  /** what CertificateSigned carried: leaf first */
  chain_pem: string;
  signer: 'builtin' | 'external';
  revoked_at: string | null;
  revocation_reason: string | null;
  /** the last time the station was asked to renew it (ExtendedTriggerMessage SignChargePointCertificate) */
  renewal_requested_at: string | null;
  created_at: string;
}

/** Certificates refused at connect: by serial number and/or SHA-256 fingerprint. */
export interface RevokedCertificatesTable {
  id: Id;
  serial_number: string | null;
  fingerprint256: string | null;
  issued_certificate_id: number | null;
  reason: string | null;
  revoked_at: string;
}

/** What a station holds (GetInstalledCertificateIds answers, InstallCertificate / DeleteCertificate results). */
export interface InstalledCertificatesTable {
  id: Id;
  station_id: string;
  certificate_type: 'CentralSystemRootCertificate' | 'ManufacturerRootCertificate';
  /** as the station reported it (SHA256, SHA384, SHA512); DeleteCertificate uses the same */
  hash_algorithm: string;
  issuer_name_hash: string;
  /** null until the station reports it (a non-self-signed certificate installed by Plugboard) */
  issuer_key_hash: string | null;
  serial_number: string;
  /** when Plugboard installed it */
  pem: string | null;
  subject: string | null;
  not_after: string | null;
  installed_at: string | null;
  /** the last GetInstalledCertificateIds answer that listed it */
  reported_at: string | null;
  updated_at: string;
}

/** A password rotation or security profile upgrade of one station (src/modules/stations/rotation.ts). */
export interface SecurityFlowsTable {
  id: Id;
  station_id: string;
  kind: 'password-rotation' | 'profile-upgrade';
  /**
   * Sending (the ChangeConfiguration is on its way), Accepted (the charger took it: waiting for
   * it to reconnect with the new credentials), Completed (it did), Rejected / NotSupported (its
   * answer), Unanswered (no answer in time: a rotation's new password stays valid beside the
   * old), Failed (not sent, or an error: detail), Superseded (an operator set the password)
   */
  status: 'Sending' | 'Accepted' | 'Completed' | 'Rejected' | 'NotSupported' | 'Unanswered' | 'Failed' | 'Superseded';
  from_profile: number | null;
  target_profile: number | null;
  /** scrypt hash of the new password while the rotation is open; never the password */
  pending_password_hash: string | null;
  pending_since: string | null;
  /** the charger's ChangeConfiguration answer */
  charger_status: string | null;
  detail: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface Database {
  stations: StationsTable;
  connector_status: ConnectorStatusTable;
  status_history: StatusHistoryTable;
  id_tags: IdTagsTable;
  transactions: TransactionsTable;
  transaction_events: TransactionEventsTable;
  orphan_stops: OrphanStopsTable;
  meter_values: MeterValuesTable;
  message_log: MessageLogTable;
  api_keys: ApiKeysTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  unknown_id_tags: UnknownIdTagsTable;
  unknown_stations: UnknownStationsTable;
  firmware_files: FirmwareFilesTable;
  firmware_updates: FirmwareUpdatesTable;
  firmware_status_history: FirmwareStatusHistoryTable;
  diagnostics_requests: DiagnosticsRequestsTable;
  diagnostics_status_history: DiagnosticsStatusHistoryTable;
  diagnostics_files: DiagnosticsFilesTable;
  security_events: SecurityEventsTable;
  device_model_reports: DeviceModelReportsTable;
  device_model_variables: DeviceModelVariablesTable;
  firmware_campaigns: FirmwareCampaignsTable;
  firmware_campaign_stations: FirmwareCampaignStationsTable;
  reservations: ReservationsTable;
  local_list_stations: LocalListStationsTable;
  local_list_entries: LocalListEntriesTable;
  local_list_updates: LocalListUpdatesTable;
  charging_profiles: ChargingProfilesTable;
  charging_limits: ChargingLimitsTable;
  certificate_requests: CertificateRequestsTable;
  issued_certificates: IssuedCertificatesTable;
  revoked_certificates: RevokedCertificatesTable;
  installed_certificates: InstalledCertificatesTable;
  security_flows: SecurityFlowsTable;
}

export type Station = Selectable<StationsTable>;
export type NewStation = Insertable<StationsTable>;
export type StationUpdate = Updateable<StationsTable>;
export type IdTag = Selectable<IdTagsTable>;
export type Transaction = Selectable<TransactionsTable>;
export type MeterValueRow = Selectable<MeterValuesTable>;
export type NewMeterValue = Insertable<MeterValuesTable>;
export type MessageLogRow = Selectable<MessageLogTable>;
export type Reservation = Selectable<ReservationsTable>;
// Re-exported so stores do not need to import kysely's helpers separately.
export type { ColumnType };
