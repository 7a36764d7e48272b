// `hamd serve` options of the model registry. `--model NAME=PATH` may be repeated, which
// the generic parser (./args.ts) does not keep, so these are taken out of argv first.
import * as path from 'node:path';
import { packageRoot } from '../base/paths';
import { DEFAULT_MODEL_NAME, isModelName } from '../models/registry';
import type { ModelOptions } from '../models/start';
import { UsageError } from './args';

export const modelOptionsUsage = `  --models DIR             model repository: every DIR/NAME.npz is loaded as model NAME
                           (default: $HAMD_MODELS, else the package's models/ directory)
  --model NAME=PATH        also load PATH as model NAME (repeatable)
  --default-model NAME     model Predict uses when none is named (default ${DEFAULT_MODEL_NAME})
  --no-models              load no repository model at start (--model ones still load;
                           LoadModel can load the others later)`;

// $HAMD_MODELS, else the package's models/ (an auto-started daemon has no command line of its own).
export const defaultRepository = (): string => process.env.HAMD_MODELS || path.join(packageRoot, 'models');

// Splits argv into the model options and everything else (for parseArgs).
export function extractModelOptions(argv: string[]): { rest: string[]; options: ModelOptions } {
  const options: ModelOptions = { repository: defaultRepository(), explicit: new Map(), defaultName: DEFAULT_MODEL_NAME, loadAtStart: true };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const match = /^--(models|model|default-model|no-models)(?:=(.*))?$/.exec(word);
    if (!match) {
      rest.push(word);
      continue;
    }
    const [, name, inline] = match;
    if (name === 'no-models') {
      if (inline !== undefined) throw new UsageError('--no-models takes no value');
      options.loadAtStart = false;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (name === 'models') options.repository = path.resolve(value);
    else if (name === 'default-model') {
      if (!isModelName(value)) throw new UsageError(`--default-model: "${value}" is not a model name`);
      options.defaultName = value;
    } else {
      const eq = value.indexOf('=');
      const modelName = eq > 0 ? value.slice(0, eq) : '';
      if (!isModelName(modelName) || eq === value.length - 1) throw new UsageError(`--model: "${value}" is not NAME=PATH`);
      options.explicit.set(modelName, path.resolve(value.slice(eq + 1)));
    }
  }
  return { rest, options };
}
