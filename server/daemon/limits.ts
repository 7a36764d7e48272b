// Limits a daemon enforces; reported in ServerInfo.limits. Defaults (and the `hamd serve` flags that
// change them) are documented in docs/cli.md#hamd-serve-the-daemon (the Limits table).
import * as os from 'node:os';

export interface DaemonLimits {
  maxAtomsPerRequest: number;
  maxStructuresPerRequest: number;
  maxReceiveBytes: number;   // gRPC receive limit (largest request)
  maxSendBytes: number;      // gRPC send limit (largest response)
  maxOutputBytes: number;    // computed blocks of one request, checked by the engine before allocating
  maxSessions: number;       // simulation sessions open at once
  sessionIdleTimeoutS: number; // a session without a message for this long ends (DEADLINE_EXCEEDED)
  // A connection with no call or stream open for this long is closed: connections that never
  // speak HTTP/2 (or a client that went quiet) hold no file descriptor for ever. gRPC clients
  // reconnect on their next call.
  connectionIdleTimeoutS: number;
  // Requests that compute (ComputeDescriptors, Predict) waiting or running at once; one more is
  // refused RESOURCE_EXHAUSTED with a retry hint (back-pressure instead of an unbounded queue).
  maxQueuedRequests: number;
  // Shared-memory regions registered at once (RegisterSharedMemory), bytes in all: the daemon
  // maps them into its address space.
  maxSharedMemoryBytes: number;
  // ComputeDescriptorsStream: array bytes per chunk, and how long a client may read nothing
  // before its stream is reset (the result freed).
  maxChunkBytes: number;
  stalledStreamTimeoutS: number;
  // Result bytes held by compute requests in flight (waiting, running, being sent): beyond it,
  // new ones are refused "busy" (./unary.ts Admission).
  memoryBudgetBytes: number;
  // The fraction of maxQueuedRequests and of memoryBudgetBytes that one client (a process that
  // names itself: FramedCall.client, gRPC metadata "hamd-client") may hold at once, so that one
  // client cannot take the daemon from all others (./unary.ts Admission). 1: no per-client rule.
  clientShare: number;
  // Calls and session streams one client connection may have open at once (HTTP/2
  // SETTINGS_MAX_CONCURRENT_STREAMS; further ones wait in the client until one ends).
  maxStreamsPerConnection: number;
}

export const MiB = 1024 * 1024;

export const defaultLimits: DaemonLimits = {
  maxAtomsPerRequest: 1_000_000,
  maxStructuresPerRequest: 100_000,
  maxReceiveBytes: 64 * MiB,
  maxSendBytes: 512 * MiB,
  // The response must fit in one message: leave room for labels and framing.
  maxOutputBytes: 448 * MiB,
  maxSessions: 256,
  sessionIdleTimeoutS: 600,
  connectionIdleTimeoutS: 300,
  maxQueuedRequests: 256,
  maxSharedMemoryBytes: 16 * 1024 * MiB,
  maxChunkBytes: 4 * MiB,
  stalledStreamTimeoutS: 60,
  // Half the machine's memory: room for the daemon's code, caches and the clients' own copies.
  memoryBudgetBytes: Math.floor(os.totalmem() / 2),
  clientShare: 0.5,
  maxStreamsPerConnection: 128,
};
