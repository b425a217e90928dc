// Shapes of the API's answers the dashboard reads. They are aliases of ./openapi.d.ts, which is
// generated from the server's OpenAPI document (npm run gen:api-types), so a change of a route's
// schema shows up here as a type error instead of a silent mismatch. Only shapes the document
// does not describe (the SSE stream's events, a charger's own payload) are written by hand.
import type { paths } from './openapi.d.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** The API's paths without the /api/v1 prefix, as api() takes them. */
type ApiPaths = { [K in keyof paths as K extends `/api/v1${infer P}` ? P : never]: paths[K] };
export type ApiPath = keyof ApiPaths;
type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
/** The methods `path` has (a wrong one is a type error, not a silent never). */
type MethodOf<P extends ApiPath> = { [M in Method]-?: [NonNullable<ApiPaths[P][M]>] extends [never] ? never : M }[Method];
type Responses<P extends ApiPath, M extends MethodOf<P>> = NonNullable<ApiPaths[P][M]> extends { responses: infer R } ? R : never;

/** The JSON body of the `status` answer to `method path`. */
export type ApiResponse<P extends ApiPath, M extends MethodOf<P> = MethodOf<P> & 'get', S extends keyof Responses<P, M> = 200 & keyof Responses<P, M>> = Json<Responses<P, M>[S]>;
/** The JSON body `method path` accepts. */
export type ApiRequestBody<P extends ApiPath, M extends MethodOf<P>> = NonNullable<ApiPaths[P][M]> extends { requestBody?: infer B } ? Json<NonNullable<B>> : never;
/** One element of a list answer ({ items: [...] }). */
type ItemOf<T> = T extends { items: Array<infer I> } ? I : never;

/** A paged list answer (src/http/schemas.ts Page). */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export type Me = ApiResponse<'/me'>;
export type Role = Me['role'];

export type Station = ApiResponse<'/stations/{id}'>;
export type RegistrationStatus = Station['registrationStatus'];
export type ConnectorStatus = Station['connectors'][number];
export type UnknownStation = ItemOf<ApiResponse<'/unknown-stations'>>;
export type StatusHistoryEntry = ItemOf<ApiResponse<'/stations/{id}/connectors/{connectorId}/history'>>;

export type Transaction = ItemOf<ApiResponse<'/transactions'>>;
export type TransactionDetail = ApiResponse<'/transactions/{id}'>;
export type MeterValue = TransactionDetail['meterValues'][number];
export type ReportRow = ApiResponse<'/reports/transactions.json'>[number];

export type Token = ApiResponse<'/tokens/{idTag}'>;
export type TokenStatus = Token['status'];
export type UnknownToken = ItemOf<ApiResponse<'/unknown-tokens'>>;
export type ImportResult = ApiResponse<'/tokens/import', 'post'>;

export type LoggedMessage = ItemOf<ApiResponse<'/stations/{id}/messages'>>;
/** GET /stations/{id}/configuration: the charger's own GetConfiguration.conf payload (OCPP 1.6), which the document leaves open. */
export interface ConfigurationAnswer {
  configurationKey?: Array<{ key: string; readonly: boolean; value?: string }>;
  unknownKey?: string[];
}

export type Reservation = ApiResponse<'/reservations/{id}'>;
export type ReservationStatus = Reservation['status'];

export type FirmwareFile = ApiResponse<'/firmware/{id}'>;
export type FirmwareSigning = ApiResponse<'/firmware-signing'>;
export type FirmwareStatus = ApiResponse<'/stations/{id}/firmware-status'>;
export type FirmwareUpdate = FirmwareStatus['updates'][number];
export type StatusTimelineEntry = FirmwareStatus['timeline'][number];
export type DiagnosticsStatus = ApiResponse<'/stations/{id}/diagnostics-status'>;
export type DiagnosticsRequest = DiagnosticsStatus['requests'][number];
export type DiagnosticsFile = ApiResponse<'/diagnostics/{id}'>;
export type FirmwareCampaign = ApiResponse<'/firmware-campaigns/{id}'>;

export type SecurityEvent = ItemOf<ApiResponse<'/security-events'>>;
export type LogRequestHistory = ItemOf<ApiResponse<'/stations/{id}/logs'>>;

export type LocalListState = ApiResponse<'/stations/{id}/local-list'>;
export type LocalListSettings = ApiResponse<'/stations/{id}/local-list/settings'>;
export type LocalListScope = LocalListSettings['scope'];

export type IssuedCertificate = ItemOf<ApiResponse<'/stations/{id}/certificates/issued'>>;
export type InstalledCertificate = ItemOf<ApiResponse<'/stations/{id}/certificates/installed'>>;
export type CertificateType = InstalledCertificate['certificateType'];
export type CertificateRequest = ItemOf<ApiResponse<'/certificate-requests'>>;

export type InstalledProfile = ItemOf<ApiResponse<'/stations/{id}/charging-profiles'>>;
export type CsChargingProfile = InstalledProfile['profile'];
export type ChargingProfilePurpose = CsChargingProfile['chargingProfilePurpose'];
export type ChargingSchedulePeriod = CsChargingProfile['chargingSchedule']['chargingSchedulePeriod'][number];
export type ExpectedSchedule = ApiResponse<'/stations/{id}/expected-schedule'>;

export type ApiKey = ItemOf<ApiResponse<'/api-keys'>>;
export type CreatedApiKey = ApiResponse<'/api-keys', 'post', 201>;
export type Webhook = ApiResponse<'/webhooks/{id}'>;
export type CreatedWebhook = ApiResponse<'/webhooks', 'post', 201>;
export type WebhookDelivery = ApiResponse<'/webhooks/{id}/test', 'post'>;

/** An event of GET /events (Server-Sent Events; the document does not describe them). */
export interface LiveEvent {
  type: string;
  stationId: string;
  at: string;
  connectorId?: number;
  transactionId?: number | null;
  status?: string;
  action?: string;
  [k: string]: unknown;
}

/** The 2.0.1 device model (src/modules/devicemodel). */
export type DeviceComponent = ItemOf<ApiResponse<'/stations/{id}/device-model/components'>>;
export type DeviceVariable = ItemOf<ApiResponse<'/stations/{id}/device-model/variables'>>;
export type SettingsAnswer = ApiResponse<'/stations/{id}/settings'>;
export type SettingsChangeAnswer = ApiResponse<'/stations/{id}/settings', 'put'>;
