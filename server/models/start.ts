// The registry `hamd serve` starts with: the repository and command-line models, loaded onto
// the engine's compute pool before the daemon listens so that its first Predict finds them.
import type { Logger } from '../daemon/logger';
import type { ModelAddon } from '../native/model-addon';
import type { ModelOptions } from './options';
import { ModelRegistry } from './registry';

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
