import type {
  BackupConfig,
  ComputeConfig,
  EventGridConfig,
  NoiseConfig,
  SimulatorTiming,
  ThrottlingConfig,
} from './config';
import type { EventPublisher } from './eventgrid/publisher';
import type { SimulatorStore } from './store/store';

/** Mutable run-time settings (the control API changes them). */
export interface SimulatorSettings {
  timing: SimulatorTiming;
  throttling: ThrottlingConfig;
  noise: NoiseConfig;
  eventGrid: EventGridConfig;
  compute: ComputeConfig;
  backup: BackupConfig;
}

/** Everything a handler may touch: the state, the settings and the Event Grid publisher. */
export interface SimContext {
  store: SimulatorStore;
  settings: SimulatorSettings;
  events: EventPublisher;
}
