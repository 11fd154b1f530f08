export type {
  BackupConfig,
  BucketConfig,
  ComputeConfig,
  EventGridConfig,
  NoiseConfig,
  PolicySeed,
  RefusalConfig,
  SeedConfig,
  SimulatorOptions,
  SimulatorTiming,
  ThrottlingConfig,
  VaultSeed,
  VmSeed,
  VmShape,
} from './config';
export {
  DEFAULT_BACKUP,
  DEFAULT_COMPUTE,
  DEFAULT_EVENT_GRID,
  DEFAULT_NOISE,
  DEFAULT_SEED,
  DEFAULT_THROTTLING,
  DEFAULT_TIMING,
  REALISTIC_TIMING,
} from './config';
export type { EventSubscription } from './eventgrid/subscription';
export type { FaultRule } from './faults';
export type { SimulatorHandle } from './simulator';
export { defaultDataDir, startSimulator } from './simulator';
