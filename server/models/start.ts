// The registry `hamd serve` starts with: the repository and command-line models, loaded onto
// the engine's compute pool before the daemon listens so that its first Predict finds them.
import type { Logger } from '../base/logger';
import type { ModelAddon } from '../native/model-addon';
import { ModelRegistry } from './registry';

// What `hamd serve` asks of the registry (its --models, --model, --default-model, --no-models).
export interface ModelOptions {
  repository: string;              // directory of NAME.npz files
  explicit: Map<string, string>;   // NAME -> PATH
  defaultName: string;             // the model Predict uses without a name
  loadAtStart: boolean;            // false: only the explicit ones are loaded at start
}

export function startModelRegistry(engine: ModelAddon, options: ModelOptions, logger: Logger): ModelRegistry {
  const registry = new ModelRegistry(engine, {
    repository: options.repository,
    explicit: options.explicit,
    defaultName: options.defaultName,
    logger,
  });
  registry.loadAll(options.loadAtStart);
  return registry;
}
