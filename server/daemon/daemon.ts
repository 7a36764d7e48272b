// The hamd daemon: hamd.v1.Hamd and grpc.health.v1.Health on one gRPC server, the
// native engine behind it. Compute happens on the engine's own thread pool; the
// event loop only checks requests and moves bytes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from '../base/logger';
import type { NativeSharedRegion } from '../native/addon';
import { defaultSocketDir, defaultTokenFile, parseAddress, type ListenAddress } from '../wire/address';
import { encodeComputeDescriptorsResponse } from '../wire/fast-encode';
import { withTolerantDeserializers } from '../wire/malformed';
import { HAMD_SERVICE_NAME, hamdServiceDefinition } from '../wire/proto';
import { Activity } from './activity';
import { loadOrCreateToken, tokenAuthorizer, type Authorize } from './auth';
import { tlsCredentials, tlsFiles } from './tls';
import { hamdHandlers, type HandlerOptions } from './handlers';
import { sessionHandler } from './session';
import { startMetricsServer } from './metrics';
import { listenSessionSocket, type SessionSocket } from './session-socket';
import { SessionTable } from './session-table';
import { SharedMemoryRegistry } from './shared-memory';
import { Admission } from './unary';
import { DaemonStatistics } from './statistics';
import { claimSocketPath, removeIfSame } from './socket';

// HandlerOptions: limits, logger, createCancelToken, engine, addonBuild, models.
export interface DaemonOptions extends Omit<HandlerOptions, 'sessions' | 'sessionSocket' | 'sharedMemory'> {
  // Maps a client's shared-memory region (the addon's mapSharedRegion); absent: the daemon
  // takes no regions (RegisterSharedMemory is UNIMPLEMENTED).
  mapSharedRegion?: (path: string, byteSize: number) => NativeSharedRegion;
  listen: string;
  // The framed session socket (./session-socket.ts): a path, 'none', or undefined for the
  // default (beside a Unix listen socket: <path>.sessions; none for TCP).
  sessionSocket?: string;
  // The token file of a TCP daemon (./auth.ts); default server/wire/address.ts defaultTokenFile.
  tokenFile?: string;
  // HOST:PORT of a Prometheus text endpoint (./metrics.ts); absent: none.
  metricsListen?: string;
  // A TCP daemon's certificate and key (./tls.ts); absent: made once beside the token.
  tlsCert?: string;
  tlsKey?: string;
  allowRemote: boolean;
  shutdownTimeoutMs: number;
}

export interface Daemon {
  address: string;            // as clients should dial it (unix:/path or host:port)
  activity: Activity;         // calls and streams in flight (options.activity, else a new one)
  shutdown(): Promise<void>;  // idempotent
}

function bind(server: grpc.Server, address: string, credentials = grpc.ServerCredentials.createInsecure()): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (error, port) => (error ? reject(error) : resolve(port)));
  });
}

// Returns the socket file's identity, so that shutdown removes this daemon's socket only (a
// successor may already have replaced it: see removeIfSame).
async function bindSocket(server: grpc.Server, listen: ListenAddress & { kind: 'unix' }, logger: Logger): Promise<fs.Stats> {
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
  return fs.lstatSync(listen.path);
}

// Where the framed session socket goes: an explicit path, none, or beside a Unix listen socket.
function sessionSocketPath(option: string | undefined, listen: ListenAddress): string | undefined {
  if (option === 'none') return undefined;
  if (option !== undefined) return option.startsWith('unix:') ? option.slice('unix:'.length) : option;
  return listen.kind === 'unix' ? `${listen.path}.sessions` : undefined;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { logger } = options;
  const listen = parseAddress(options.listen);
  if (listen.kind === 'tcp' && !listen.loopback && !options.allowRemote) {
    throw new Error(`refusing to listen on ${listen.grpc}: not a loopback address (pass --allow-remote to serve other machines (TLS and token))`);
  }

  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.limits.maxReceiveBytes,
    'grpc.max_send_message_length': options.limits.maxSendBytes,
    'grpc.max_connection_idle_ms': 1000 * options.limits.connectionIdleTimeoutS,
    // Per client connection: calls and session streams open at once (more wait for HTTP/2 to
    // let them start), so that one connection cannot hold every stream the daemon can serve.
    'grpc.max_concurrent_streams': options.limits.maxStreamsPerConnection,
  });
  // Descriptor responses carry megabytes of bulk arrays: encode them with one memcpy each.
  const definition = hamdServiceDefinition();
  // Requests that do not parse are answered INVALID_ARGUMENT by the handlers (wire/malformed.ts).
  const service: grpc.ServiceDefinition = withTolerantDeserializers({
    ...definition,
    ComputeDescriptors: { ...definition.ComputeDescriptors, responseSerialize: encodeComputeDescriptorsResponse },
  });
  const sessions = new SessionTable(options.limits.maxSessions);
  const activity = options.activity ?? new Activity();
  const statistics = new DaemonStatistics();
  // TCP ports are open to every local user: calls must carry the daemon's token (./auth.ts).
  let authorize: Authorize | undefined;
  if (listen.kind === 'tcp') {
    const tokenFile = options.tokenFile ?? defaultTokenFile();
    const { token, created } = loadOrCreateToken(tokenFile);
    authorize = tokenAuthorizer(token, tokenFile);
    logger.info(created ? 'token-created' : 'token-loaded', { path: tokenFile });
  }
  let sessionSocket: SessionSocket | undefined;
  const admission = new Admission(options.limits.maxQueuedRequests, options.limits.memoryBudgetBytes, options.limits.clientShare);
  const sharedMemory = options.mapSharedRegion ? new SharedMemoryRegistry(options.mapSharedRegion, options.limits.maxSharedMemoryBytes, logger) : undefined;
  const handlers = hamdHandlers({
    ...options, sessions, activity, statistics, authorize, admission, sharedMemory, computeThreads: options.engine.threads(),
    sessionSocket: () => sessionSocket?.address ?? '',
  });
  server.addService(service, handlers);
  const health = new HealthImplementation({ '': 'SERVING', [HAMD_SERVICE_NAME]: 'SERVING' });
  health.addToServer(server);

  let address: string;
  let socketFile: fs.Stats | undefined;
  if (listen.kind === 'unix') {
    socketFile = await bindSocket(server, listen, logger);
    address = listen.grpc;
  } else {
    // TCP: TLS (./tls.ts) and the token (./auth.ts); a Unix socket's mode is its protection.
    const tokenFile = options.tokenFile ?? defaultTokenFile();
    const files = tlsFiles({ cert: options.tlsCert, key: options.tlsKey }, path.dirname(tokenFile));
    if (files.created) logger.info('tls-certificate-created', { cert: files.cert, key: files.key });
    const port = await bind(server, listen.grpc, tlsCredentials(files));
    address = listen.host.includes(':') ? `[${listen.host}]:${port}` : `${listen.host}:${port}`;
  }
  const sessionPath = sessionSocketPath(options.sessionSocket, listen);
  if (sessionPath !== undefined) {
    try {
      sessionSocket = await listenSessionSocket({
        path: sessionPath, hamdOwnedDir: path.dirname(sessionPath) === defaultSocketDir(), maxFrameBytes: options.limits.maxReceiveBytes,
        logger, handler: sessionHandler({ ...options, sessions, activity, statistics, authorize }),
        deserialize: service.Session.requestDeserialize, serialize: service.Session.responseSerialize,
        calls: { handlers, service, logger, stallMs: 1000 * options.limits.stalledStreamTimeoutS },
        idleMs: 1000 * options.limits.sessionIdleTimeoutS,
      });
    } catch (error) {
      // Sessions still work over gRPC: a daemon without its fast path is slower, not broken.
      logger.warn('session-socket-unavailable', { path: sessionPath, message: error instanceof Error ? error.message : String(error) });
    }
  }
  const metrics = options.metricsListen === undefined ? undefined : await startMetricsServer({
    listen: options.metricsListen, allowRemote: options.allowRemote, statistics, openSessions: () => sessions.size, logger,
  });
  logger.info('listening', {
    address, session_socket: sessionSocket?.address ?? '', max_receive_bytes: options.limits.maxReceiveBytes, max_send_bytes: options.limits.maxSendBytes,
  });

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      health.setStatus('', 'NOT_SERVING');
      health.setStatus(HAMD_SERVICE_NAME, 'NOT_SERVING');
      sessions.endAll();  // open streams would otherwise hold the shutdown until its timeout
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
      await sessionSocket?.close();
      sharedMemory?.close();
      await metrics?.close();
      options.engine.close();
      if (listen.kind === 'unix' && socketFile) removeIfSame(listen.path, socketFile);
    })();
    return stopping;
  };

  return { address, activity, shutdown };
}
