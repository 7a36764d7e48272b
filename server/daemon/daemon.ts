// The hamd daemon: hamd.v1.Hamd and grpc.health.v1.Health on one gRPC server, the
// native engine behind it. Compute happens on the engine's own thread pool; the
// event loop only checks requests and moves bytes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { CancelToken, NativeEngine } from '../native/addon';
import { packageVersion } from '../base/paths';
import { defaultSocketDir, parseAddress, type ListenAddress } from '../wire/address';
import { toStatusError } from '../wire/status';
import type { HamdHandlers, ServerInfo } from '../wire/types';
import { API_VERSION, descriptorKinds, gradientParameters } from '../wire/vocabulary';
import { encodeComputeDescriptorsResponse } from '../wire/fast-encode';
import { HAMD_SERVICE_NAME, hamdServiceDefinition } from '../wire/proto';
import type { DaemonLimits } from './limits';
import type { Logger } from '../base/logger';
import type { ModelRegistry } from '../models/registry';
import { modelHandlers } from './predict';
import { responseBytes, toResponse } from './respond';
import { claimSocketPath, removeQuietly } from './socket';
import { checkDescriptorRequest } from './validate';

export interface DaemonOptions {
  listen: string;
  allowRemote: boolean;
  limits: DaemonLimits;
  shutdownTimeoutMs: number;
  logger: Logger;
  engine: NativeEngine;
  createCancelToken: () => CancelToken;
  addonBuild: string;
  models?: ModelRegistry;     // surrogate-Hamiltonian models (ListModels, Predict)
}

export interface Daemon {
  address: string;            // as clients should dial it (unix:/path or host:port)
  shutdown(): Promise<void>;  // idempotent
}

function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function serverInfo(options: DaemonOptions): ServerInfo {
  const { limits } = options;
  return {
    version: packageVersion(),
    api_version: API_VERSION,
    capabilities: [...descriptorKinds.map((k) => `descriptors/${k}`), ...gradientParameters.map((g) => `gradients/${g}`)],
    threads: options.engine.threads(),
    limits: {
      max_atoms_per_request: limits.maxAtomsPerRequest,
      max_structures_per_request: limits.maxStructuresPerRequest,
      max_message_bytes: limits.maxReceiveBytes,
      max_output_bytes: limits.maxOutputBytes,
      max_response_bytes: limits.maxSendBytes,
    },
    descriptor_kinds: [...descriptorKinds],
    addon_build: options.addonBuild,
  };
}

function hamdHandlers(options: DaemonOptions): grpc.UntypedServiceImplementation {
  const { logger, limits, engine } = options;
  const info = serverInfo(options);

  const getServerInfo: HamdHandlers['GetServerInfo'] = (_call, callback) => {
    logger.debug('request', { method: 'GetServerInfo', code: 'OK' });
    // Models come and go (LoadModel, UnloadModel): their capabilities are read per call.
    callback(null, { ...info, capabilities: [...(info.capabilities ?? []), ...(options.models?.capabilities() ?? [])] });
  };

  const computeDescriptors: HamdHandlers['ComputeDescriptors'] = async (call, callback) => {
    const start = process.hrtime.bigint();
    const request = call.request;
    const fields: Record<string, unknown> = {
      method: 'ComputeDescriptors',
      kind: request.kind,
      structures: request.structures?.length ?? 0,
      atoms: (request.structures ?? []).reduce((n, s) => n + (s.atomic_numbers?.length ?? 0), 0),
      peer: call.getPeer(),
    };
    logger.debug('request-received', fields);
    try {
      const checked = checkDescriptorRequest(request, limits);
      const token = options.createCancelToken();
      call.on('cancelled', () => token.cancel());
      if (call.cancelled) token.cancel();
      const result = await engine.computeDescriptors({ ...checked.native, maxOutputBytes: limits.maxOutputBytes }, token);
      const response = toResponse(result);
      callback(null, response);
      logger.info('request', {
        ...fields, code: 'OK', blocks: result.blocks.length, output_bytes: responseBytes(result),
        queue_us: result.queueMicroseconds, compute_us: result.computeMicroseconds, total_ms: elapsedMs(start),
      });
    } catch (error) {
      const failure = toStatusError(error);
      callback({ code: failure.code, details: failure.message });
      const level = failure.code === grpc.status.INTERNAL ? 'error' : 'info';
      logger.log(level, 'request', { ...fields, code: grpc.status[failure.code], message: failure.message, total_ms: elapsedMs(start) });
    }
  };

  return { GetServerInfo: getServerInfo, ComputeDescriptors: computeDescriptors };
}

function bind(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port)));
  });
}

async function bindSocket(server: grpc.Server, listen: ListenAddress & { kind: 'unix' }, logger: Logger): Promise<void> {
  const hamdOwnedDir = path.dirname(listen.path) === defaultSocketDir();
  const { removedStale } = await claimSocketPath(listen.path, { hamdOwnedDir });
  if (removedStale) logger.warn('stale-socket-removed', { path: listen.path });
  const previous = process.umask(0o177); // socket created 0600, no window where it is wider
  try {
    await bind(server, listen.grpc);
  } finally {
    process.umask(previous);
  }
  fs.chmodSync(listen.path, 0o600);
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { logger } = options;
  const listen = parseAddress(options.listen);
  if (listen.kind === 'tcp' && !listen.loopback && !options.allowRemote) {
    throw new Error(`refusing to listen on ${listen.grpc}: not a loopback address (pass --allow-remote to serve other machines, unauthenticated and unencrypted)`);
  }

  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.limits.maxReceiveBytes,
    'grpc.max_send_message_length': options.limits.maxSendBytes,
  });
  const models = options.models && modelHandlers({ registry: options.models, limits: options.limits, logger });
  // Descriptor responses carry megabytes of bulk arrays: encode them with one memcpy each.
  const definition = hamdServiceDefinition();
  const service: grpc.ServiceDefinition = {
    ...definition,
    ComputeDescriptors: { ...definition.ComputeDescriptors, responseSerialize: encodeComputeDescriptorsResponse },
  };
  server.addService(service, { ...hamdHandlers(options), ...models });
  const health = new HealthImplementation({ '': 'SERVING', [HAMD_SERVICE_NAME]: 'SERVING' });
  health.addToServer(server);

  let address: string;
  if (listen.kind === 'unix') {
    await bindSocket(server, listen, logger);
    address = listen.grpc;
  } else {
    const port = await bind(server, listen.grpc);
    address = listen.host.includes(':') ? `[${listen.host}]:${port}` : `${listen.host}:${port}`;
  }
  logger.info('listening', { address, max_receive_bytes: options.limits.maxReceiveBytes, max_send_bytes: options.limits.maxSendBytes });

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      health.setStatus('', 'NOT_SERVING');
      health.setStatus(HAMD_SERVICE_NAME, 'NOT_SERVING');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger.warn('shutdown-timeout', { timeout_ms: options.shutdownTimeoutMs, action: 'cancelling in-flight calls' });
          server.forceShutdown();
          resolve();
        }, options.shutdownTimeoutMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      options.engine.close();
      if (listen.kind === 'unix') removeQuietly(listen.path);
    })();
    return stopping;
  };

  return { address, shutdown };
}
