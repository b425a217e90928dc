// The OCPP-J protocol layer: frames, error codes, schema validation, typed 1.6 message maps
// and the per-connection RPC state machine. No sockets, no database, no business rules.
export { ERROR_CODES_16, isErrorCode16, normalizeErrorCode, OcppError } from './errors.ts';
export type { ErrorCode16 } from './errors.ts';
export {
  encodeCall,
  encodeCallError,
  encodeCallResult,
  MAX_MESSAGE_ID_LENGTH,
  MessageType,
  parseFrame,
  UNKNOWN_MESSAGE_ID,
} from './frames.ts';
export type { CallErrorFrame, CallFrame, CallResultFrame, Frame, FrameError, ParseResult } from './frames.ts';
export {
  CENTRAL_TO_CHARGER_ACTIONS,
  CHARGER_TO_CENTRAL_ACTIONS,
  errorCodeForKeyword,
  ocpp16Validator,
  precompileOcpp16Schemas,
} from './validator.ts';
export type { OcppValidator, PayloadSource, Validation } from './validator.ts';
export type {
  CentralAction,
  CentralToCharger,
  ChargerAction,
  ChargerToCentral,
  Ocpp16ChargerHandlers,
  Ocpp16Handlers,
} from './ocpp16.ts';
export { MAX_QUEUED_INBOUND_CALLS, RpcCallError, RpcClosedError, RpcEndpoint, RpcTimeoutError } from './rpc.ts';
export type { FrameInfo, RpcOptions } from './rpc.ts';
