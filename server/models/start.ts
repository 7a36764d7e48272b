// The registry `hamd serve` starts with: the addon's model functions (if it has them), the
// repository and command-line models, loaded before the daemon listens so that its first
// Predict finds them.
import type { Logger } from '../base/logger';
import { hasModelSupport, modelAddon } from '../native/model-addon';
import { ModelRegistry } from './registry';

// What `hamd serve` asks of the registry (its --models, --model, --default-model, --no-models).
export interface ModelOptions {
  repository: string;              // directory of NAME.npz files
  explicit: Map<string, string>;   // NAME -> PATH
  defaultName: string;             // the model Predict uses without a name
  loadAtStart: boolean;            // false: only the explicit ones are loaded at start
}

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
