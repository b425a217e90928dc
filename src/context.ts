// What every module's register(ctx) receives: the shared infrastructure, the OCPP handler
// registry and the other modules' services (looked up at call time, so registration order
// does not matter and no module reaches into another's store).
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import type { Db } from './db/index.ts';
import type { Bus } from './bus/local.ts';
import type { Metrics } from './metrics.ts';
import type { Ocpp201Dispatcher, OcppDispatcher } from './dispatch.ts';
import type { StationsService } from './modules/stations/service.ts';
import type { CredentialFlowsService } from './modules/stations/rotation.ts';
import type { AuthorizationService } from './modules/authorization/service.ts';
import type { TransactionsService } from './modules/transactions/service.ts';
import type { MessageLogService } from './modules/messagelog/service.ts';
import type { ApiKeysService } from './modules/apikeys/service.ts';
import type { EventsService } from './modules/events/service.ts';
import type { CommandsService } from './modules/commands/service.ts';
import type { WebhooksService } from './modules/webhooks/service.ts';
import type { ReservationsService } from './modules/reservations/service.ts';
import type { TriggerService } from './modules/trigger/service.ts';
import type { SmartChargingService } from './modules/smartcharging/service.ts';
import type { FirmwareService } from './modules/firmware/service.ts';
import type { LocalAuthService } from './modules/localauth/service.ts';
import type { CertificatesService } from './modules/certificates/service.ts';
import type { SecurityService } from './modules/security/service.ts';
import type { TlsService } from './modules/tls/service.ts';
import type { DeviceModelService } from './modules/devicemodel/service.ts';
import type { Api } from './http/types.ts';

export interface Services {
  stations: StationsService;
  /** password rotation and security profile upgrade (stations module, rotation.ts) */
  credentialFlows: CredentialFlowsService;
  authorization: AuthorizationService;
  transactions: TransactionsService;
  messageLog: MessageLogService;
  apiKeys: ApiKeysService;
  events: EventsService;
  commands: CommandsService;
  webhooks: WebhooksService;
  smartCharging: SmartChargingService;
  firmware: FirmwareService;
  reservations: ReservationsService;
  trigger: TriggerService;
  localAuth: LocalAuthService;
  certificates: CertificatesService;
  security: SecurityService;
  tls: TlsService;
  /** OCPP 2.0.1 device model (NotifyReport), reports, SetNetworkProfile */
  deviceModel: DeviceModelService;
}

export interface AppContext {
  config: Config;
  log: Logger;
  db: Db;
  bus: Bus;
  metrics: Metrics;
  /** 1.6 handlers (each module's ocpp16.ts) */
  ocpp16: OcppDispatcher;
  /** 2.0.1 handlers (each module's ocpp201.ts) */
  ocpp201: Ocpp201Dispatcher;
  services: Services;
  /** the current time; tests may not replace it, it exists so that "now" is taken in one place */
  now(): Date;
}

export interface Module {
  name: string;
  register(ctx: AppContext): void | Promise<void>;
  /** its REST endpoints, mounted under /api/v1 */
  routes?(api: Api, ctx: AppContext): void | Promise<void>;
  /** stops timers; called before the database closes */
  stop?(ctx: AppContext): void | Promise<void>;
}
