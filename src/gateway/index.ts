export {
  ChargerConnection,
  ChargerNotConnectedError,
  FORWARD_SECRET_CIPHERS,
  Gateway,
  REPLACED_CODE,
  REPLACED_REASON,
} from './gateway.ts';
export { TOO_MANY_FAILURES, type AdmissionOptions } from './admission.ts';
export type {
  AdmittedCertificate,
  AuthRequest,
  AuthResult,
  DisconnectInfo,
  FrameInfo,
  GatewayOptions,
  ListenerOptions,
  ListenerTlsOptions,
} from './gateway.ts';
