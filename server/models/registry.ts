// The daemon's model registry, after Triton's model repository: a directory of model files
// (DIR/NAME.npz, default <package>/models) plus models named on the command line
// (--model NAME=PATH). Every known model is loaded at start; LoadModel / UnloadModel change
// that while serving. A file that fails to load is kept as "failed" with its reason, and the
// daemon serves on (descriptors and the other models).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { status } from '@grpc/grpc-js';
import type { Logger } from '../base/logger';
import type { ContractionHandle, ModelAddon, ModelHandle, ModelMetadata } from '../native/model-addon';
import { contractionKind, modelKinds, type ModelKind } from '../wire/vocabulary';
import { StatusError } from '../wire/status';
import type { ModelState } from '../wire/vocabulary';

export interface ModelEntry {
  name: string;
  path: string;
  state: ModelState;
  error: string;
  handle?: ModelHandle;
  metadata?: ModelMetadata;
}

export interface RegistryOptions {
  repository?: string;              // directory of NAME.npz files (absent: none)
  explicit?: Map<string, string>;   // NAME -> PATH from the command line
  defaultName?: string;             // the model Predict uses without a name
  logger: Logger;
}

export const DEFAULT_MODEL_NAME = 'default-hamiltonian';
// The energy model Predict uses for energy outputs when none is named.
export const DEFAULT_ENERGY_MODEL_NAME = 'default-energy';
const MODEL_EXTENSION = '.npz';
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function isPredictingKind(kind: string): kind is ModelKind {
  return (modelKinds as readonly string[]).includes(kind);
}

export function isModelName(name: string): boolean {
  return NAME_PATTERN.test(name) && name.length <= 128;
}

// A name as error messages echo it: JSON-quoted (control bytes visible) and cut to 128 characters.
function shownName(name: string): string {
  return name.length <= 128 ? JSON.stringify(name) : `${JSON.stringify(name.slice(0, 128))}... (${name.length} characters)`;
}

function invalidName(field: string, name: string): StatusError {
  return new StatusError(status.INVALID_ARGUMENT, `${field} ${shownName(name)} is not a valid model name (letters, digits, . _ -; at most 128)`);
}

export class ModelRegistry {
  private readonly entries = new Map<string, ModelEntry>();
  private readonly repository?: string;
  private readonly explicit: Map<string, string>;
  private readonly configuredDefault: string;
  private readonly logger: Logger;

  // `addon`: the engine, which loads models onto its compute pool.
  constructor(private readonly addon: ModelAddon, options: RegistryOptions) {
    this.repository = options.repository ? path.resolve(options.repository) : undefined;
    this.explicit = new Map([...(options.explicit ?? new Map<string, string>())].map(([n, p]) => [n, path.resolve(p)]));
    this.configuredDefault = options.defaultName ?? DEFAULT_MODEL_NAME;
    this.logger = options.logger;
  }

  // NAME -> file of every model the registry can load: the repository's files, then the
  // command line's (which win on a name clash).
  private known(): Map<string, string> {
    const files = new Map<string, string>();
    if (this.repository && fs.existsSync(this.repository)) {
      for (const file of fs.readdirSync(this.repository).sort()) {
        const name = file.slice(0, -MODEL_EXTENSION.length);
        if (file.endsWith(MODEL_EXTENSION) && isModelName(name)) files.set(name, path.join(this.repository, file));
      }
    }
    for (const [name, file] of this.explicit) files.set(name, file);
    return files;
  }

  // Loads every known model at daemon start, or only those of the command line (--no-models).
  // Failures are logged and kept, never thrown.
  loadAll(repositoryToo = true): void {
    if (repositoryToo && this.repository && !fs.existsSync(this.repository) && this.explicit.size === 0) {
      this.logger.info('models-none', { repository: this.repository, message: 'model repository does not exist: Predict is unavailable' });
    }
    const names = repositoryToo ? [...this.known().keys()] : [...this.explicit.keys()];
    for (const name of names) {
      try {
        this.load(name);
      } catch {
        /* logged and recorded by load() */
      }
    }
  }

  // Loads (or reloads) NAME. NOT_FOUND when unknown; INVALID_ARGUMENT for a bad file, and
  // the entry stays "failed" with the reason.
  load(name: string): ModelEntry {
    if (!isModelName(name)) throw invalidName('model name', name);
    const file = this.known().get(name);
    if (!file) {
      throw new StatusError(status.NOT_FOUND, `no model "${name}" in the repository${this.repository ? ` ${this.repository}` : ''}`);
    }
    const started = process.hrtime.bigint();
    try {
      const handle = this.addon.loadModel(file);
      const metadata = handle.metadata();
      const entry: ModelEntry = { name, path: file, state: 'ready', error: '', handle, metadata };
      this.entries.set(name, entry);
      this.logger.info('model-loaded', {
        name, path: file, kind: metadata.kind, species: metadata.species, basis: metadata.basis,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      });
      return entry;
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      this.entries.set(name, { name, path: file, state: 'failed', error: message });
      this.logger.error('model-load-failed', { name, path: file, message });
      throw new StatusError(status.INVALID_ARGUMENT, `model "${name}" (${file}) could not be loaded: ${message}`);
    }
  }

  // Unloads NAME (calls in flight keep their handle until they finish).
  unload(name: string): void {
    if (!isModelName(name)) throw invalidName('model name', name);
    const entry = this.entries.get(name);
    if (!entry || entry.state !== 'ready') throw new StatusError(status.NOT_FOUND, `model "${name}" is not loaded`);
    this.entries.delete(name);
    this.logger.info('model-unloaded', { name, path: entry.path });
  }

  unloadAll(): void {
    this.entries.clear();
  }

  // Every known model, loaded or not, sorted by name.
  list(): ModelEntry[] {
    const all = new Map<string, ModelEntry>();
    for (const [name, file] of this.known()) all.set(name, { name, path: file, state: 'unloaded', error: '' });
    for (const [name, entry] of this.entries) all.set(name, entry);
    return [...all.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  ready(): ModelEntry[] {
    return this.list().filter((e) => e.state === 'ready');
  }

  // The default model of a kind: the configured name (--default-model for Hamiltonian models,
  // default-energy for energy models) when it is loaded and of that kind, else the only loaded
  // model of that kind, else none.
  defaultName(kind: ModelKind = 'hamiltonian'): string | undefined {
    const configured = kind === 'hamiltonian' ? this.configuredDefault : DEFAULT_ENERGY_MODEL_NAME;
    const ofKind = this.ready().filter((e) => (e.metadata?.kind ?? 'hamiltonian') === kind);
    if (ofKind.some((e) => e.name === configured)) return configured;
    return ofKind.length === 1 ? ofKind[0].name : undefined;
  }

  // The model for a Predict call: NAME, or the default model of `kind` for "".
  resolve(name: string, kind: ModelKind = 'hamiltonian'): ModelEntry & { handle: ModelHandle; metadata: ModelMetadata } {
    const wanted = name === '' ? this.defaultName(kind) : name;
    if (wanted === undefined) {
      const ready = this.ready().map((e) => e.name);
      const configured = kind === 'hamiltonian' ? this.configuredDefault : DEFAULT_ENERGY_MODEL_NAME;
      throw new StatusError(status.FAILED_PRECONDITION, ready.length === 0
        ? 'no model is loaded (put one in the model repository, or start the daemon with --model NAME=PATH)'
        : `no default ${kind} model ("${configured}" is not loaded): name one of ${ready.join(', ')}`);
    }
    const entry = this.loaded(wanted, 'model');
    if (!isPredictingKind(entry.metadata.kind)) {
      throw new StatusError(status.INVALID_ARGUMENT, `model "${wanted}" is a ${entry.metadata.kind}, which ComputeDescriptors takes (field contraction), not a model that predicts`);
    }
    return entry;
  }

  // The contraction a ComputeDescriptors call names (NOT_FOUND when not loaded, INVALID_ARGUMENT
  // for a model of another kind).
  contraction(name: string): ModelEntry & { handle: ContractionHandle; metadata: ModelMetadata } {
    const entry = this.loaded(name, 'contraction');
    if (entry.metadata.kind !== contractionKind) {
      throw new StatusError(status.INVALID_ARGUMENT, `contraction: "${name}" is a ${entry.metadata.kind} model, not a ${contractionKind} (hamd fit-contraction makes one)`);
    }
    return entry as ModelEntry & { handle: ContractionHandle; metadata: ModelMetadata };
  }

  private loaded(name: string, field: string): ModelEntry & { handle: ModelHandle; metadata: ModelMetadata } {
    if (!isModelName(name)) throw invalidName(field, name);
    const entry = this.entries.get(name);
    if (!entry || entry.state !== 'ready' || !entry.handle || !entry.metadata) {
      const ready = this.ready().map((e) => e.name);
      throw new StatusError(status.NOT_FOUND, `${field} "${name}" is not loaded (loaded: ${ready.length ? ready.join(', ') : 'none'})`);
    }
    return entry as ModelEntry & { handle: ModelHandle; metadata: ModelMetadata };
  }

  // ServerInfo.capabilities entries: "predict/<kind>" per kind of loaded model that predicts,
  // "descriptors/contraction" when a contraction is loaded.
  capabilities(): string[] {
    const kinds = new Set(this.ready().map((e) => e.metadata?.kind ?? 'hamiltonian'));
    return [...kinds].sort().map((kind) => (kind === contractionKind ? 'descriptors/contraction' : `predict/${kind}`));
  }
}
