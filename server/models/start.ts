// The registry `hamd serve` starts with: the addon's model functions (if it has them), the
// repository and command-line models, loaded before the daemon listens so that its first
// Predict finds them.
import type { Logger } from '../daemon/logger';
import { hasModelSupport, modelAddon } from '../native/model-addon';
import type { ModelOptions } from './options';
import { ModelRegistry } from './registry';

export function startModelRegistry(addon: object, options: ModelOptions, logger: Logger, threads: number): ModelRegistry {
  const registry = new ModelRegistry(hasModelSupport(addon) ? modelAddon(addon) : undefined, {
    repository: options.repository,
    explicit: options.explicit,
    defaultName: options.defaultName,
    threads,
    logger,
  });
  registry.loadAll(options.loadAtStart);
  return registry;
}
