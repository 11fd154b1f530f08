export { startSimulator, defaultDataDir } from './simulator';
export type { SimulatorHandle } from './simulator';
export {
  DEFAULT_SEED,
  DEFAULT_TIMING,
  REALISTIC_TIMING,
  DEFAULT_THROTTLING,
  DEFAULT_NOISE,
  DEFAULT_EVENT_GRID,
} from './config';
export type {
  SimulatorOptions,
  SimulatorTiming,
  ThrottlingConfig,
  BucketConfig,
  NoiseConfig,
  EventGridConfig,
  SeedConfig,
  VaultSeed,
  VmSeed,
  PolicySeed,
} from './config';
export type { FaultRule } from './faults';
export type { EventSubscription } from './eventgrid/subscription';
