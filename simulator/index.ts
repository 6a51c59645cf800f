// The programmatic API: start a fleet in-process from any JS test framework, steer it, read what
// each server saw, stop it.
//
//   import { startFleet } from 'ollama-sim';
//   const fleet = await startFleet({ servers: 2 });
//   fleet.setBehavior(fleet.ports[0], { type: 'FailMidStream', tokens_before_fail: 3 });
//   ... point the code under test at fleet.urls ...
//   const records = fleet.journal({ port: fleet.ports[0] });
//   await fleet.stop();
export { Fleet, type FleetOptions, type PortSelector } from './fleet.js';
export { startFleet, type StartOptions } from './start.js';
export { WorkerFleet } from './hosts/worker-fleet.js';
export type { SimServer } from './server.js';
export type { JournalRecord, JournalQuery, Outcome, FaultKind, HeartbeatRecord, HeartbeatOutcome } from './journal/record.js';
export type { NodeAgent } from './agent/node-agent.js';
export type { Advertise } from './agent/heartbeat.js';
export type { BehaviorSpec } from './behaviors/registry.js';
export { BEHAVIOR_TYPES, BEHAVIORS } from './behaviors/registry.js';
export { PRESET_NAMES, DEFAULT_MODELS } from './engine/models.js';
export { SERVER_SCHEMA, type ServerSettings, type ServerOverrides } from './config.js';
export { ValidationError } from './schema.js';
