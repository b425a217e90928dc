// The simulator's public face, for tests, benchmarks and other programs.
export { createFleet, checkOpenFilesLimit, MAX_STATIONS } from './fleet.ts';
export type { Fleet, FleetOptions } from './fleet.ts';
export { Station } from './station.ts';
export type { StationEnv, RebootKind, FirmwareStatus, DiagnosticsStatus } from './station.ts';
export type { FleetStats } from './stats.ts';
export type { Behaviour, Misbehaviour, SimEvent, StationSpec, LocalTransaction, StopReason, ConnectorStatus } from './types.ts';
export { SimulatedCharger, CallErrorResponse } from './charger.ts';
export type { SimulatorOptions } from './charger.ts';
export { simulateCommand, SIMULATE_USAGE } from './cli.ts';
