// `hamd serve`: runs the daemon in the foreground until SIGINT/SIGTERM, or until it has been idle
// for --idle-exit seconds (the daemons that clients start: server/cli/autostart.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import { startDaemon } from '../daemon/daemon';
import { defaultLimits, MiB, type DaemonLimits } from '../daemon/limits';
import { isLogLevel, Logger } from '../base/logger';
import { loadAddon } from '../native/addon';
import { startModelRegistry } from '../models/start';
import { extractModelOptions, modelOptionsUsage } from './model-options';
import { packageVersion } from '../base/paths';
import { defaultAddress, parseAddress } from '../wire/address';
import { assertLittleEndian } from '../wire/arrays';
import { bytesOption, numberOption, parseArgs, UsageError } from './args';

export const serveUsage = `hamd serve [options]
  --listen ADDR            unix:/path/to.sock or HOST:PORT (default: $HAMD_ADDRESS, else
                           $XDG_RUNTIME_DIR/hamd/hamd.sock, else /tmp/hamd-$UID/hamd.sock)
  --allow-remote           allow a non-loopback TCP address (TLS and the token, as on loopback)
  --threads N              native compute threads (default: one per core)
  --log-level L            debug | info | warn | error (default info); JSON lines on stderr
  --max-atoms N            atoms per request (default ${defaultLimits.maxAtomsPerRequest})
  --max-structures N       structures per request (default ${defaultLimits.maxStructuresPerRequest})
  --max-receive-bytes B    largest request message (default 64MiB)
  --max-send-bytes B       largest response message (default 512MiB)
  --max-output-bytes B     computed results (and Predict working matrices) per request (default 448MiB)
  --max-sessions N         simulation sessions open at once (default ${defaultLimits.maxSessions})
  --session-idle-timeout S seconds a session may go without a message (default ${defaultLimits.sessionIdleTimeoutS})
  --max-queued N            compute requests waiting or running at once; more are refused
                           RESOURCE_EXHAUSTED with a retry hint (default ${defaultLimits.maxQueuedRequests})
  --max-shared-memory-mb N  shared-memory regions clients may register, MiB in all
                           (default ${defaultLimits.maxSharedMemoryBytes / MiB}; docs/shared-memory.md)
  --max-chunk-bytes B      array bytes per ComputeDescriptorsStream chunk (default 4MiB)
  --memory-budget-mb N     result bytes that compute requests in flight may hold together;
                           more are refused busy with a retry hint (default: half the RAM)
  --client-share F         the fraction of --max-queued and of the memory budget one client
                           process may hold at once (default ${defaultLimits.clientShare}; 1: no per-client rule)
  --max-streams-per-connection N  calls and sessions one client connection may have open at
                           once; more wait in the client (default ${defaultLimits.maxStreamsPerConnection})
  --stalled-stream-timeout S  a streamed answer the client reads nothing of for S seconds is
                           reset and its result freed (default ${defaultLimits.stalledStreamTimeoutS})
  --session-socket PATH     the framed session transport for simulations on this host (docs/sessions.md),
                           or none (default: <listen path>.sessions for a Unix listen address, else none)
  --token-file FILE         a TCP daemon's token, created 0600 when missing; clients send it
                           (default: $HAMD_TOKEN_FILE, else $XDG_CONFIG_HOME/hamd/token, else ~/.config/hamd/token)
  --tls-cert FILE --tls-key FILE  a TCP daemon's TLS certificate and key (default: a self-signed
                           pair made once with openssl beside the token file)
  --metrics-listen HOST:PORT  a Prometheus text endpoint, GET /metrics (loopback unless --allow-remote)
  --connection-idle-timeout S  seconds a connection with no call or stream open is kept,
                           also one that never speaks HTTP/2 (default ${defaultLimits.connectionIdleTimeoutS})
  --shutdown-timeout S     seconds to let in-flight calls finish on SIGTERM (default 30)
  --pid-file FILE          write the daemon's pid here (removed on exit)
  --idle-exit S            exit after S seconds with no call in flight and no stream open
                           (default: never; daemons started by clients: $HAMD_IDLE_EXIT, else 900)
${modelOptionsUsage}`;

export async function serve(argv: string[]): Promise<number> {
  const { rest, options: modelOptions } = extractModelOptions(argv);
  const args = parseArgs(rest, {
    values: ['listen', 'threads', 'log-level', 'max-atoms', 'max-structures', 'max-receive-bytes', 'max-send-bytes', 'max-output-bytes', 'max-sessions', 'session-idle-timeout', 'max-queued', 'max-shared-memory-mb', 'max-chunk-bytes', 'stalled-stream-timeout', 'memory-budget-mb', 'client-share', 'max-streams-per-connection', 'session-socket', 'token-file', 'tls-cert', 'tls-key', 'metrics-listen', 'connection-idle-timeout', 'shutdown-timeout', 'pid-file', 'idle-exit'],
    flags: ['allow-remote', 'help'],
    aliases: { '-h': 'help' },
  });
  if (args.flags.has('help')) {
    process.stdout.write(serveUsage + '\n');
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`serve: unexpected argument "${args.positionals[0]}"`);
  const level = args.options.get('log-level') ?? 'info';
  if (!isLogLevel(level)) throw new UsageError(`--log-level: "${level}" is not debug, info, warn or error`);
  const threads = numberOption(args, 'threads', true) ?? 0;
  if (threads < 0) throw new UsageError('--threads must be >= 0 (0: one per core)');
  const limits: DaemonLimits = {
    maxAtomsPerRequest: numberOption(args, 'max-atoms', true) ?? defaultLimits.maxAtomsPerRequest,
    maxStructuresPerRequest: numberOption(args, 'max-structures', true) ?? defaultLimits.maxStructuresPerRequest,
    maxReceiveBytes: bytesOption(args, 'max-receive-bytes') ?? defaultLimits.maxReceiveBytes,
    maxSendBytes: bytesOption(args, 'max-send-bytes') ?? defaultLimits.maxSendBytes,
    maxOutputBytes: bytesOption(args, 'max-output-bytes') ?? defaultLimits.maxOutputBytes,
    maxSessions: numberOption(args, 'max-sessions', true) ?? defaultLimits.maxSessions,
    sessionIdleTimeoutS: numberOption(args, 'session-idle-timeout', false) ?? defaultLimits.sessionIdleTimeoutS,
    connectionIdleTimeoutS: numberOption(args, 'connection-idle-timeout', false) ?? defaultLimits.connectionIdleTimeoutS,
    maxQueuedRequests: numberOption(args, 'max-queued', true) ?? defaultLimits.maxQueuedRequests,
    maxSharedMemoryBytes: (numberOption(args, 'max-shared-memory-mb', true) ?? defaultLimits.maxSharedMemoryBytes / MiB) * MiB,
    maxChunkBytes: bytesOption(args, 'max-chunk-bytes') ?? defaultLimits.maxChunkBytes,
    stalledStreamTimeoutS: numberOption(args, 'stalled-stream-timeout', false) ?? defaultLimits.stalledStreamTimeoutS,
    memoryBudgetBytes: (numberOption(args, 'memory-budget-mb', true) ?? Math.floor(defaultLimits.memoryBudgetBytes / MiB)) * MiB,
    maxStreamsPerConnection: numberOption(args, 'max-streams-per-connection', true) ?? defaultLimits.maxStreamsPerConnection,
    clientShare: numberOption(args, 'client-share', false) ?? defaultLimits.clientShare,
  };
  if (!(limits.clientShare > 0 && limits.clientShare <= 1)) throw new UsageError('--client-share must be a fraction in (0, 1]');
  if (!(limits.maxStreamsPerConnection >= 1)) throw new UsageError('--max-streams-per-connection must be at least 1');
  if (!(limits.memoryBudgetBytes >= MiB)) throw new UsageError('--memory-budget-mb must be at least 1');
  if (!(limits.maxChunkBytes >= 1024)) throw new UsageError('--max-chunk-bytes must be at least 1KiB');
  if (!(limits.stalledStreamTimeoutS > 0)) throw new UsageError('--stalled-stream-timeout must be > 0 seconds');
  if (limits.maxSessions < 1) throw new UsageError('--max-sessions must be >= 1');
  if (!(limits.sessionIdleTimeoutS > 0)) throw new UsageError('--session-idle-timeout must be > 0 seconds');
  if (!(limits.connectionIdleTimeoutS > 0)) throw new UsageError('--connection-idle-timeout must be > 0 seconds');
  if (!(limits.maxQueuedRequests >= 1)) throw new UsageError('--max-queued must be at least 1');
  const shutdownTimeoutMs = 1000 * (numberOption(args, 'shutdown-timeout', false) ?? 30);
  const idleExitS = numberOption(args, 'idle-exit', false);
  if (idleExitS !== undefined && !(idleExitS > 0)) throw new UsageError('--idle-exit must be a number of seconds > 0');
  const listen = args.options.get('listen') ?? defaultAddress();
  parseAddress(listen); // usage errors before loading the addon

  const logger = new Logger(level);
  assertLittleEndian();
  const addon = loadAddon();
  const engine = addon.createEngine(threads);
  logger.info('start', {
    version: packageVersion(), node: process.version, threads: engine.threads(), cores: os.availableParallelism(),
    addon_build: addon.buildInfo(), limits,
  });

  const models = startModelRegistry(engine, modelOptions, logger);
  let daemon;
  try {
    daemon = await startDaemon({
      listen, allowRemote: args.flags.has('allow-remote'), limits, shutdownTimeoutMs, logger, engine,
      sessionSocket: args.options.get('session-socket'),
      tokenFile: args.options.get('token-file'),
      metricsListen: args.options.get('metrics-listen'),
      tlsCert: args.options.get('tls-cert'),
      tlsKey: args.options.get('tls-key'),
      createCancelToken: () => addon.createCancelToken(), addonBuild: addon.buildInfo(), models,
      mapSharedRegion: (path, byteSize) => addon.mapSharedRegion(path, byteSize),
      descriptorKinds: addon.descriptorKinds().map((kind) => kind.name),
    });
  } catch (error) {
    engine.close();
    logger.error('start-failed', { message: (error as Error).message });
    return 1;
  }

  const pidFile = args.options.get('pid-file');
  if (pidFile) fs.writeFileSync(pidFile, `${process.pid}\n`);
  // A successor may have written its own pid there meanwhile (after this daemon's idle exit began).
  const removePidFile = () => {
    if (!pidFile) return;
    try {
      if (fs.readFileSync(pidFile, 'utf8').trim() === String(process.pid)) fs.rmSync(pidFile, { force: true });
    } catch {
      /* already gone */
    }
  };

  return new Promise<number>((resolve) => {
    let signals = 0;
    const stop = (signal: NodeJS.Signals | 'idle') => {
      signals++;
      if (signals > 1) {
        logger.warn('stop-forced', { signal });
        process.exit(1);
      }
      logger.info('stopping', { signal });
      daemon.shutdown().then(() => {
        removePidFile();
        logger.info('stopped', { signal });
        resolve(0);
      }, (error) => {
        logger.error('stop-failed', { message: (error as Error).message });
        resolve(1);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (idleExitS !== undefined) {
      logger.info('idle-exit', { after_s: idleExitS });
      daemon.activity.whenIdleFor(idleExitS * 1000, () => {
        logger.info('idle', { idle_s: daemon.activity.idleForMs() / 1000 });
        stop('idle');
      });
    }
  });
}
