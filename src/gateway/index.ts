export {
  ChargerConnection,
  ChargerNotConnectedError,
  Gateway,
  REPLACED_CODE,
  REPLACED_REASON,
} from './gateway.ts';
export type {
  AuthRequest,
  AuthResult,
  DisconnectInfo,
  FrameInfo,
  GatewayOptions,
  ListenerOptions,
  ListenerTlsOptions,
} from './gateway.ts';
