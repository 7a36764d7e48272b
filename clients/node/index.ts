// Typed Node client for a hamd daemon (hamd.v1 over gRPC). Used by the `hamd` CLI and tests.
//
//   const client = await HamdClient.connect();            // $HAMD_ADDRESS or the default socket
//   const result = await client.computeDescriptors([{ atomicNumbers: [8, 1, 1], positions }],
//                                                  { kind: 'power-spectrum' });
//   client.close();
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { decodeFloat64, decodeInt32, float64Array } from '../../server/wire/arrays';
import { defaultAddress, defaultTlsCertFile, defaultTokenFile, parseAddress, TOKEN_METADATA_KEY } from '../../server/wire/address';
import { hamdClientConstructor } from '../../server/wire/proto';
import type {
  ComputeDescriptorsRequest, ComputeDescriptorsResponse__Output, HamdClient as HamdStub, HamdMethod, Labels__Output,
  Limits__Output, PredictRequest, ReceivedResponseOf, RequestOf, ServerInfo__Output, Statistics__Output, Structure,
} from '../../server/wire/types';
import type { Block, DescriptorOptions, DescriptorResult, GradientParameter, Labels, StructureInput } from './types';
import { decodeModelInfo, decodePredictResponse, type ModelInfo, type PredictOptions, type PredictResult } from './models';
import { mergeDescriptorResults, planBatches, runBatches } from './batching';
import { HamdSession, type SessionOptions } from './session';

export * from './types';
export * from './models';
export * from './session';
export { defaultAddress } from '../../server/wire/address';

// Responses can be large (gradients); the daemon enforces its own limits. A wide
// HTTP/2 receive window: with the default 64 KiB one a 300 MB answer crawls in
// round trips of window updates.
const channelOptions: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
  'grpc-node.flow_control_window': 64 * 1024 * 1024,
};

type Unary<Req, Res> = (request: Req, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: Res) => void) => grpc.ClientUnaryCall;

function flatten(values: ArrayLike<number> | ArrayLike<ArrayLike<number>>, width: number, where: string): Float64Array {
  if (values instanceof Float64Array) return values;
  const list = Array.from(values as ArrayLike<number | ArrayLike<number>>);
  if (list.length > 0 && typeof list[0] !== 'number') {
    const out = new Float64Array(list.length * width);
    list.forEach((row, i) => {
      const r = row as ArrayLike<number>;
      if (r.length !== width) throw new Error(`${where}[${i}]: ${r.length} values, expected ${width}`);
      for (let k = 0; k < width; k++) out[i * width + k] = r[k];
    });
    return out;
  }
  return Float64Array.from(list as number[]);
}

export function toStructureMessage(structure: StructureInput, index = 0): Structure {
  const where = `structures[${index}]`;
  const atomicNumbers = Array.from(structure.atomicNumbers);
  const positions = flatten(structure.positions, 3, `${where}.positions`);
  const message: Structure = {
    atomic_numbers: atomicNumbers,
    positions: float64Array(positions, [positions.length / 3, 3]),
    pbc: [],
  };
  if (structure.cell !== undefined) message.cell = float64Array(flatten(structure.cell, 3, `${where}.cell`), [3, 3]);
  if (structure.pbc !== undefined) {
    message.pbc = typeof structure.pbc === 'boolean' ? [structure.pbc, structure.pbc, structure.pbc] : [...structure.pbc];
  }
  return message;
}

function labels(message: Labels__Output | null | undefined, where: string): Labels {
  const names = message?.names ?? [];
  if (!message?.values) return { names, values: new Int32Array(0), count: 0 };
  const { shape, values } = decodeInt32(message.values, `${where}.values`);
  return { names, values, count: shape[0] ?? 0 };
}

function decodeResponse(response: ComputeDescriptorsResponse__Output): DescriptorResult {
  const blocks: Block[] = response.blocks.map((block, i) => {
    const values = decodeFloat64(block.values, `blocks[${i}].values`);
    return {
      samples: labels(block.samples, `blocks[${i}].samples`),
      components: block.components.map((c, k) => labels(c, `blocks[${i}].components[${k}]`)),
      properties: labels(block.properties, `blocks[${i}].properties`),
      values: values.values,
      shape: values.shape,
      gradients: block.gradients.map((g, k) => {
        const gradientValues = decodeFloat64(g.values, `blocks[${i}].gradients[${k}].values`);
        return {
          parameter: g.parameter as GradientParameter,
          samples: labels(g.samples, `blocks[${i}].gradients[${k}].samples`),
          components: g.components.map((c, j) => labels(c, `blocks[${i}].gradients[${k}].components[${j}]`)),
          values: gradientValues.values,
          shape: gradientValues.shape,
        };
      }),
    };
  });
  return {
    keys: labels(response.keys, 'keys'),
    blocks,
    computeMicroseconds: response.compute_us ?? 0,
    queueMicroseconds: response.queue_us ?? 0,
  };
}

function waitForReady(client: grpc.Client, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    client.waitForReady(Date.now() + timeoutMs, (error) => (error ? reject(error) : resolve()));
  });
}

export interface ConnectOptions {
  timeoutMs?: number; // how long to wait for the daemon to accept the connection [5000]
}

function tlsCredentials(target: string): grpc.ChannelCredentials {
  const file = defaultTlsCertFile();
  let pem: Buffer;
  try {
    pem = fs.readFileSync(file);
  } catch {
    throw Object.assign(new Error(`${target} is a TCP daemon, which speaks TLS: its certificate is not at ${file} `
      + '(set HAMD_TLS_CERT to a copy of the daemon\'s cert.pem)'), { code: grpc.status.UNAVAILABLE });
  }
  return grpc.credentials.createSsl(pem);
}

// $HAMD_TOKEN, else the token file (server/wire/address.ts defaultTokenFile) when readable.
function daemonToken(): string | undefined {
  if (process.env.HAMD_TOKEN) return process.env.HAMD_TOKEN.trim();
  try {
    return fs.readFileSync(defaultTokenFile(), 'utf8').trim();
  } catch {
    return undefined;  // the daemon answers UNAUTHENTICATED, saying where the token is
  }
}

// Every call (unary and streams) carries `authorization: Bearer TOKEN` when there is a token,
// and this process's name ("node:HOST:PID"), by which the daemon holds one client to its share
// of the queue and memory budget (hamd serve --client-share).
function withIdentity(token: string | undefined): grpc.Interceptor {
  const name = `node:${os.hostname()}:${process.pid}`;
  return (options, nextCall) => new grpc.InterceptingCall(nextCall(options), {
    start: (metadata, listener, next) => {
      if (token) metadata.set(TOKEN_METADATA_KEY, `Bearer ${token}`);
      metadata.set('hamd-client', name);
      next(metadata, listener);
    },
  });
}

export class HamdClient {
  private limits?: Limits__Output;  // the daemon's, asked once (computeDescriptorsBatched)

  private constructor(
    readonly address: string,
    private readonly hamd: HamdStub,
    private readonly health: grpc.Client,
  ) {}

  // Connects to `address` (unix:/path or host:port), default $HAMD_ADDRESS, else the
  // per-user default socket. Rejects when no daemon answers within timeoutMs.
  static async connect(address?: string, options: ConnectOptions = {}): Promise<HamdClient> {
    const target = address ?? defaultAddress();
    const parsed = parseAddress(target);
    if (parsed.kind === 'unix' && !fs.existsSync(parsed.path)) {
      throw Object.assign(new Error(`no hamd daemon at ${target}: ${parsed.path} does not exist`), { code: grpc.status.UNAVAILABLE });
    }
    // TCP daemons speak TLS (server/daemon/tls.ts): trust their certificate ($HAMD_TLS_CERT, else
    // the one beside the token file); a Unix socket needs none.
    const credentials = parsed.kind === 'tcp' ? tlsCredentials(target) : grpc.credentials.createInsecure();
    const Hamd = hamdClientConstructor();
    const Health = grpc.makeClientConstructor(healthService as grpc.ServiceDefinition, 'grpc.health.v1.Health');
    // A TCP daemon asks for its token (server/daemon/auth.ts); a Unix socket needs none.
    const token = parsed.kind === 'tcp' ? daemonToken() : undefined;
    const hamd = new Hamd(parsed.grpc, credentials, { ...channelOptions, interceptors: [withIdentity(token)] });
    const health = new Health(parsed.grpc, credentials, { channelOverride: hamd.getChannel() } as grpc.ClientOptions);
    const client = new HamdClient(parsed.grpc, hamd, health);
    try {
      await waitForReady(hamd, options.timeoutMs ?? 5000);
    } catch (error) {
      client.close();
      throw Object.assign(new Error(`no hamd daemon answers at ${target}: ${(error as Error).message}`), { code: grpc.status.UNAVAILABLE });
    }
    return client;
  }

  private static unary<Req, Res>(target: grpc.Client, method: string, request: Req, deadlineMs?: number): Promise<Res> {
    const call = (target as unknown as Record<string, Unary<Req, Res>>)[method].bind(target);
    const options: grpc.CallOptions = deadlineMs ? { deadline: Date.now() + deadlineMs } : {};
    return new Promise((resolve, reject) => {
      call(request, options, (error, response) => (error ? reject(error) : resolve(response as Res)));
    });
  }

  // One hamd.v1 RPC, typed by the generated service definition.
  private rpc<M extends HamdMethod>(method: M, request: RequestOf<M>, deadlineMs?: number): Promise<ReceivedResponseOf<M>> {
    return HamdClient.unary(this.hamd, method, request, deadlineMs);
  }

  // grpc.health.v1 status of `service` ('' = the whole daemon): "SERVING", "NOT_SERVING", ...
  async healthStatus(service = '', deadlineMs = 5000): Promise<string> {
    const reply = await HamdClient.unary<{ service: string }, { status: string }>(this.health, 'Check', { service }, deadlineMs);
    return reply.status;
  }

  info(deadlineMs = 10000): Promise<ServerInfo__Output> {
    return this.rpc('GetServerInfo', {}, deadlineMs);
  }

  // What the daemon has served since it started, per method and model (GetStatistics).
  statistics(deadlineMs = 10000): Promise<Statistics__Output> {
    return this.rpc('GetStatistics', {}, deadlineMs);
  }

  // Sends a request message as is (for callers that build it themselves, and tests).
  async computeDescriptorsMessage(request: ComputeDescriptorsRequest, deadlineMs?: number): Promise<DescriptorResult> {
    return decodeResponse(await this.rpc('ComputeDescriptors', request, deadlineMs));
  }

  computeDescriptors(structures: StructureInput[], options: DescriptorOptions): Promise<DescriptorResult> {
    const request: ComputeDescriptorsRequest = {
      structures: structures.map(toStructureMessage),
      kind: options.kind,
      hypers: options.hypers ?? {},
      species: options.species ?? [],
      gradients: options.gradients ?? [],
    };
    if (options.maxLambda !== undefined) request.max_lambda = options.maxLambda;
    if (options.potentialExponent !== undefined) request.potential_exponent = options.potentialExponent;
    if (options.correlationOrder !== undefined) request.correlation_order = options.correlationOrder;
    if (options.nonlinearity !== undefined) request.nonlinearity = options.nonlinearity;
    if (options.kCutoff !== undefined) request.k_cutoff = options.kCutoff;
    if (options.device !== undefined) request.device = options.device;
    if (options.contraction !== undefined) request.contraction = options.contraction;
    return this.computeDescriptorsMessage(request, options.deadlineMs);
  }

  // computeDescriptors for any number of structures: split into batches within the daemon's
  // limits (./batching.ts) and joined into the result one call would give; progress(k) after
  // each batch of k structures.
  async computeDescriptorsBatched(structures: StructureInput[], options: DescriptorOptions,
    progress?: (structures: number) => void): Promise<DescriptorResult> {
    this.limits ??= (await this.info()).limits;
    const batches = planBatches(structures.map((s) => s.atomicNumbers.length), this.limits);
    // The daemon's default species are those present in the request: fixed here for all batches.
    const species = options.species?.length ? options.species
      : [...new Set(structures.flatMap((s) => Array.from(s.atomicNumbers)))].sort((a, b) => a - b);
    // Too large for one call (not a busy daemon's refusal, "busy: ...", which is retried as is).
    const tooLarge = (error: unknown) => (error as { code?: number }).code === grpc.status.RESOURCE_EXHAUSTED
      && !String((error as { details?: string }).details ?? '').startsWith('busy:');
    const parts = await runBatches(batches, (start, stop) => this.computeDescriptors(structures.slice(start, stop), { ...options, species }), tooLarge, progress);
    return parts.length === 1 ? parts[0].answer : mergeDescriptorResults(parts);
  }

  // Models the daemon knows (loaded, unloaded or failed), sorted by name.
  async listModels(deadlineMs = 10000): Promise<ModelInfo[]> {
    const reply = await this.rpc('ListModels', {}, deadlineMs);
    return reply.models.map(decodeModelInfo);
  }

  async loadModel(name: string, deadlineMs = 60000): Promise<ModelInfo> {
    return decodeModelInfo(await this.rpc('LoadModel', { name }, deadlineMs));
  }

  async unloadModel(name: string, deadlineMs = 10000): Promise<void> {
    await this.rpc('UnloadModel', { name }, deadlineMs);
  }

  // Sends a PredictRequest message as is.
  async predictMessage(request: PredictRequest, deadlineMs?: number): Promise<PredictResult> {
    return decodePredictResponse(await this.rpc('Predict', request, deadlineMs));
  }

  // Surrogate-Hamiltonian outputs of molecules; see PredictOptions and hamd.proto.
  predict(structures: StructureInput[], options: PredictOptions = {}): Promise<PredictResult> {
    return this.predictMessage({
      structures: structures.map(toStructureMessage),
      model: options.model ?? '',
      outputs: options.outputs ?? [],
      units: options.units ?? '',
      order: options.order ?? '',
      variant: options.variant ?? '',
      charge: options.charge ?? 0,
      n_states: options.nStates ?? 0,
    }, options.deadlineMs);
  }

  // Opens a simulation session (see ./session.ts); `deadlineMs` bounds the whole stream.
  session(options: SessionOptions, deadlineMs?: number): Promise<HamdSession> {
    const callOptions: grpc.CallOptions = deadlineMs ? { deadline: Date.now() + deadlineMs } : {};
    return HamdSession.open(this.hamd.Session(callOptions), options);
  }

  close(): void {
    this.health.close();
    this.hamd.close();
  }
}
