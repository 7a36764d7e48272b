// The RPCs of hamd.v1.Hamd: the six unary ones each written the same way (./unary.ts): check
// the request, run, encode the result; and the Session stream (./session.ts).
import { status } from '@grpc/grpc-js';
import { packageVersion } from '../base/paths';
import type { NativeEngine } from '../native/addon';
import type { NativeDescriptorRequest } from '../native/types';
import type { ModelRegistry } from '../models/registry';
import { invalidArgument, StatusError } from '../wire/status';
import type { ComputeDescriptorsRequest__Output, HamdHandlers, ServerInfo } from '../wire/types';
import { API_VERSION, gradientParameters } from '../wire/vocabulary';
import { checkEnergyRequest, checkPredictRequest, modelInfo, requestedKind, toEnergyResponse, toPredictResponse } from './predict';
import type { EnergyModelHandle, HamiltonianModelHandle } from '../native/model-addon';
import { heldBytes, responseBytes, toResponse } from './respond';
import { writeDescriptorChunks } from './descriptor-stream';
import { serverStreamHandler, unaryHandler, type HandlerContext } from './unary';
import { checkDescriptorRequest } from './validate';
import { sessionHandler } from './session';
import type { SharedMemoryRegistry } from './shared-memory';
import type { SessionTable } from './session-table';
import { DaemonStatistics } from './statistics';

export interface HandlerOptions extends HandlerContext {
  engine: NativeEngine;
  sessions: SessionTable;   // open simulation sessions (./session.ts)
  descriptorKinds: readonly string[];  // registered by the core (addon descriptorKinds())
  addonBuild: string;
  models?: ModelRegistry;  // surrogate-Hamiltonian models (ListModels, Predict); absent: none
  // The framed session transport's address (ServerInfo.session_socket), once it listens; '' if none.
  sessionSocket?: () => string;
  // Registered shared-memory regions (./shared-memory.ts); absent: the RPCs are UNIMPLEMENTED.
  sharedMemory?: SharedMemoryRegistry;
}

function serverInfo(options: HandlerOptions): ServerInfo {
  const { limits } = options;
  return {
    version: packageVersion(),
    api_version: API_VERSION,
    capabilities: [
      ...options.descriptorKinds.map((k) => `descriptors/${k}`), ...gradientParameters.map((g) => `gradients/${g}`),
      ...(options.sharedMemory ? ['shared-memory'] : []),
    ],
    threads: options.engine.threads(),
    limits: {
      max_atoms_per_request: limits.maxAtomsPerRequest,
      max_structures_per_request: limits.maxStructuresPerRequest,
      max_message_bytes: limits.maxReceiveBytes,
      max_output_bytes: limits.maxOutputBytes,
      max_response_bytes: limits.maxSendBytes,
      max_sessions: limits.maxSessions,
      session_idle_timeout_s: limits.sessionIdleTimeoutS,
      max_shared_memory_bytes: limits.maxSharedMemoryBytes,
      max_chunk_bytes: limits.maxChunkBytes,
      stalled_stream_timeout_s: limits.stalledStreamTimeoutS,
      memory_budget_bytes: limits.memoryBudgetBytes,
    },
    descriptor_kinds: [...options.descriptorKinds],
    addon_build: options.addonBuild,
  };
}

export function hamdHandlers(options: HandlerOptions): HamdHandlers {
  const { engine, limits } = options;
  const info = serverInfo(options);
  const sharedMemory = (): SharedMemoryRegistry => {
    if (!options.sharedMemory) throw new StatusError(status.UNIMPLEMENTED, 'this daemon takes no shared-memory regions');
    return options.sharedMemory;
  };
  const registry = (): ModelRegistry => {
    if (!options.models) throw new StatusError(status.UNIMPLEMENTED, 'this daemon serves no models');
    return options.models;
  };

  // The engine's request, with the contraction it names (a registry entry) when it names one.
  const descriptorRequest = (request: ComputeDescriptorsRequest__Output): NativeDescriptorRequest => {
    const native = checkDescriptorRequest(request, limits, options.descriptorKinds);
    if (request.contraction) native.contraction = registry().contraction(request.contraction).handle;
    return native;
  };

  return {
    GetServerInfo: unaryHandler(options, 'GetServerInfo', {
      quiet: true,
      check: () => undefined,
      run: () => options.models?.capabilities() ?? [],
      // Models come and go (LoadModel, UnloadModel): their capabilities are read per call.
      encode: (modelCapabilities) => ({
        ...info, capabilities: [...(info.capabilities ?? []), ...modelCapabilities], open_sessions: options.sessions.size,
        session_socket: options.sessionSocket?.() ?? '',
      }),
    }),

    ComputeDescriptors: unaryHandler(options, 'ComputeDescriptors', {
      computes: true,
      describe: (request) => ({ kind: request.kind, ...(request.contraction ? { contraction: request.contraction.slice(0, 128) } : {}), ...(request.output_region ? { output_region: request.output_region.name } : {}) }),
      check: (request) => ({ native: descriptorRequest(request), output: request.output_region ?? undefined }),
      run: async ({ native, output }, call) => {
        if (!output) return engine.computeDescriptors(native, call.cancelToken());
        const claimed = sharedMemory().claim(output);
        try {
          return await engine.computeDescriptors(native, call.cancelToken(), claimed.range);
        } finally {
          claimed.release();
        }
      },
      weigh: heldBytes,
      encode: (result, _request, call) => {
        Object.assign(call.fields, { blocks: result.blocks.length, output_bytes: responseBytes(result) });
        return toResponse(result);
      },
    }),

    ComputeDescriptorsStream: serverStreamHandler(options, 'ComputeDescriptorsStream', {
      computes: true,
      describe: (request) => ({ kind: request.kind, ...(request.contraction ? { contraction: request.contraction.slice(0, 128) } : {}) }),
      check: (request) => {
        if (request.output_region) throw invalidArgument('output_region: a streamed answer carries its bytes (use ComputeDescriptors for shared memory)');
        return descriptorRequest(request);
      },
      run: (request, call) => engine.computeDescriptors(request, call.cancelToken()),
      weigh: heldBytes,
      encode: (result, _request, call) => {
        Object.assign(call.fields, { blocks: result.blocks.length, output_bytes: responseBytes(result) });
        return toResponse(result);
      },
    }, (call, response) => writeDescriptorChunks(call, response, limits)),

    RegisterSharedMemory: unaryHandler(options, 'RegisterSharedMemory', {
      describe: (request) => ({ region: request.name, bytes: Number(request.byte_size ?? 0) }),
      check: (request) => ({ regions: sharedMemory(), request }),
      run: ({ regions, request }) => regions.register(request),
      encode: () => ({}),
    }),

    UnregisterSharedMemory: unaryHandler(options, 'UnregisterSharedMemory', {
      describe: (request) => ({ region: request.name }),
      check: (request) => ({ regions: sharedMemory(), request }),
      run: ({ regions, request }) => regions.unregister(request.name, Number(request.owner_pid ?? 0)),
      encode: (unregistered) => ({ unregistered }),
    }),

    SharedMemoryStatus: unaryHandler(options, 'SharedMemoryStatus', {
      quiet: true,
      check: (request) => ({ regions: sharedMemory(), name: request.name }),
      run: ({ regions, name }) => regions.status(name),
      encode: (regions) => ({ regions }),
    }),

    ListModels: unaryHandler(options, 'ListModels', {
      check: () => registry(),
      run: (models) => ({ models: models.list(), defaults: [models.defaultName('hamiltonian'), models.defaultName('energy')] }),
      encode: ({ models, defaults }) => ({ models: models.map((entry) => modelInfo(entry, defaults)) }),
    }),

    LoadModel: unaryHandler(options, 'LoadModel', {
      describe: (request) => ({ model: request.name }),
      check: (request) => ({ models: registry(), name: request.name ?? '' }),
      run: ({ models, name }) => models.load(name),
      encode: (entry, { models }) => modelInfo(entry, [models.defaultName('hamiltonian'), models.defaultName('energy')]),
    }),

    UnloadModel: unaryHandler(options, 'UnloadModel', {
      describe: (request) => ({ model: request.name }),
      check: (request) => ({ models: registry(), name: request.name ?? '' }),
      run: ({ models, name }) => models.unload(name),
      encode: () => ({}),
    }),

    Predict: unaryHandler(options, 'Predict', {
      computes: true,
      describe: (request) => ({ model: request.model ?? '' }),
      check: (request, call) => {
        const kind = requestedKind(request);
        const model = registry().resolve(request.model ?? '', kind);
        call.fields.model = model.name;
        if (kind !== undefined && model.metadata.kind !== kind) {
          throw new StatusError(status.INVALID_ARGUMENT, `model "${model.name}" (kind ${model.metadata.kind}) answers ${model.metadata.outputs.join(', ')}, not ${kind} outputs`);
        }
        if (model.metadata.kind === 'energy') {
          const checked = checkEnergyRequest(request, model.metadata, limits);
          call.fields.outputs = checked.outputs;
          return { kind: 'energy' as const, model, handle: model.handle as EnergyModelHandle, request: checked };
        }
        const checked = checkPredictRequest(request, { metadata: model.metadata, handle: model.handle as HamiltonianModelHandle }, limits);
        call.fields.outputs = checked.outputs;
        return { kind: 'hamiltonian' as const, model, handle: model.handle as HamiltonianModelHandle, request: checked };
      },
      // The answer carries the native result's timing, for the log line and the statistics.
      run: async (checked, call) => {
        const answer = checked.kind === 'energy'
          ? { kind: 'energy' as const, result: await checked.handle.predict(checked.request, call.cancelToken()) }
          : { kind: 'hamiltonian' as const, result: await checked.handle.predict(checked.request, call.cancelToken()) };
        return { ...answer, queueMicroseconds: answer.result.queueMicroseconds, computeMicroseconds: answer.result.computeMicroseconds };
      },
      encode: (answer, checked) => {
        if (answer.kind === 'energy' && checked.kind === 'energy') return toEnergyResponse(checked.model.name, checked.request, answer.result);
        if (answer.kind === 'hamiltonian' && checked.kind === 'hamiltonian') return toPredictResponse(checked.model.name, checked.request, answer.result);
        throw new Error('Predict: the answer is not of the model\'s kind');
      },
    }),

    Session: sessionHandler({ ...options, models: options.models }),

    GetStatistics: unaryHandler(options, 'GetStatistics', {
      quiet: true,
      check: () => undefined,
      run: () => (options.statistics ?? new DaemonStatistics()).snapshot(options.sessions.size),
      encode: (statistics) => statistics,
    }),
  };
}
