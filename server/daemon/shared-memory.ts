// Registered shared-memory regions (proto RegisterSharedMemory; docs/shared-memory.md), after
// Triton's system shared-memory extension: a client on this host registers a sealed memfd of
// its own once, then names it as a request's output_region, and the engine writes the bulk
// arrays straight into it. The regions are the client's memory: the daemon maps them (the
// addon checks the file: core/io/mapped_region.hpp), counts them against
// --max-shared-memory-mb, lets one request at a time write into each, and forgets those of a
// client process that is gone (so a crashed client leaves nothing mapped).
import { status } from '@grpc/grpc-js';
import type { Logger } from '../base/logger';
import { processAlive } from '../base/process';
import type { NativeOutputRange, NativeSharedRegion } from '../native/addon';
import { invalidArgument, resourceExhausted, StatusError } from '../wire/status';
import type { OutputRegion__Output, RegisterSharedMemoryRequest__Output, SharedMemoryRegion } from '../wire/types';

const NAME = /^[A-Za-z0-9._-]{1,128}$/;
const MEMFD_PATH = /^\/proc\/[1-9][0-9]{0,9}\/fd\/[0-9]{1,10}$/;
// How often the owners of regions are looked for (a region of a dead process is unmapped).
const OWNER_CHECK_MS = 5000;
const ALIGNMENT = 64;

interface Entry {
  name: string;
  path: string;
  byteSize: number;
  ownerPid: number;
  region: NativeSharedRegion;
  busy: boolean;
  requests: number;
}

function checkedName(name: string | undefined): string {
  if (!name || !NAME.test(name)) {
    throw invalidArgument(`shared-memory region name ${JSON.stringify((name ?? '').slice(0, 128))}: 1-128 characters of A-Z a-z 0-9 . _ -`);
  }
  return name;
}

export class SharedMemoryRegistry {
  private readonly regions = new Map<string, Entry>();
  private bytes = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly map: (path: string, byteSize: number) => NativeSharedRegion,
    private readonly maxBytes: number,
    private readonly logger: Logger,
  ) {
    this.sweeper = setInterval(() => this.forgetDeadOwners(), OWNER_CHECK_MS);
    this.sweeper.unref();
  }

  register(request: RegisterSharedMemoryRequest__Output): void {
    const name = checkedName(request.name);
    const path = request.path ?? '';
    // Only a process's descriptor of a memfd (the addon then checks the seal): a daemon never
    // opens read-write whatever file a request names.
    if (!MEMFD_PATH.test(path)) {
      throw invalidArgument(`shared-memory region ${name}: path must be /proc/<pid>/fd/<fd> of a sealed memfd, got ${JSON.stringify(path.slice(0, 256))}`);
    }
    const byteSize = Number(request.byte_size ?? 0);
    if (!Number.isSafeInteger(byteSize) || byteSize < 1) throw invalidArgument(`shared-memory region ${name}: byte_size must be a positive integer`);
    const ownerPid = Number(request.owner_pid ?? 0);
    if (!Number.isSafeInteger(ownerPid) || ownerPid < 0) throw invalidArgument(`shared-memory region ${name}: owner_pid must be 0 or a process id`);
    if (this.regions.has(name)) throw new StatusError(status.ALREADY_EXISTS, `shared-memory region ${name} is already registered`);
    if (this.bytes + byteSize > this.maxBytes) {
      throw resourceExhausted(`shared-memory region ${name}: ${byteSize} bytes would take the registered regions over ${this.maxBytes} bytes (hamd serve --max-shared-memory-mb)`);
    }
    const region = this.map(path, byteSize);  // throws the addon's coded errors
    this.regions.set(name, { name, path, byteSize, ownerPid, region, busy: false, requests: 0 });
    this.bytes += byteSize;
    this.logger.info('shared-memory-registered', { name, bytes: byteSize, owner_pid: ownerPid });
  }

  // Unregisters `name`, or with no name every region of `ownerPid` (0: every region).
  unregister(name: string | undefined, ownerPid: number): number {
    const victims = name ? [this.entry(checkedName(name))] : [...this.regions.values()].filter((e) => ownerPid === 0 || e.ownerPid === ownerPid);
    for (const entry of victims) this.forget(entry, 'unregistered');
    return victims.length;
  }

  status(name: string | undefined): SharedMemoryRegion[] {
    const entries = name ? [this.entry(checkedName(name))] : [...this.regions.values()];
    return entries.map((e) => ({ name: e.name, path: e.path, byte_size: e.byteSize, owner_pid: e.ownerPid, busy: e.busy, requests: e.requests }));
  }

  // The range a request writes into; the region is busy until release().
  claim(output: OutputRegion__Output): { range: NativeOutputRange; release: () => void } {
    const entry = this.entry(checkedName(output.name));
    const offset = Number(output.offset ?? 0);
    const requested = Number(output.byte_size ?? 0);
    const byteSize = requested === 0 ? entry.byteSize - offset : requested;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % ALIGNMENT !== 0 || offset >= entry.byteSize) {
      throw invalidArgument(`output_region.offset ${output.offset}: a multiple of ${ALIGNMENT} inside region ${entry.name} (${entry.byteSize} bytes)`);
    }
    if (!Number.isSafeInteger(byteSize) || byteSize < 1 || offset + byteSize > entry.byteSize) {
      throw invalidArgument(`output_region: bytes ${offset}..${offset + byteSize} are outside region ${entry.name} (${entry.byteSize} bytes)`);
    }
    if (entry.busy) {
      throw new StatusError(status.FAILED_PRECONDITION, `shared-memory region ${entry.name} is in use by another request (one at a time per region)`);
    }
    entry.busy = true;
    entry.requests += 1;
    let released = false;
    return {
      range: { region: entry.region, offset, byteSize },
      release: () => {
        if (!released) { released = true; entry.busy = false; }
      },
    };
  }

  // The daemon stops: every region is unmapped once its request (if any) ends.
  close(): void {
    clearInterval(this.sweeper);
    for (const entry of [...this.regions.values()]) this.forget(entry, 'shutdown');
  }

  private entry(name: string): Entry {
    const entry = this.regions.get(name);
    if (!entry) throw new StatusError(status.NOT_FOUND, `no shared-memory region named ${name} (RegisterSharedMemory first)`);
    return entry;
  }

  private forget(entry: Entry, reason: string): void {
    if (this.regions.get(entry.name) !== entry) return;
    this.regions.delete(entry.name);
    this.bytes -= entry.byteSize;
    entry.region.close();  // a request still writing keeps the mapping until it ends
    this.logger.info('shared-memory-unregistered', { name: entry.name, bytes: entry.byteSize, reason, requests: entry.requests });
  }

  private forgetDeadOwners(): void {
    const owners = new Set([...this.regions.values()].map((e) => e.ownerPid).filter((pid) => pid > 0));
    for (const pid of owners) {
      if (processAlive(pid)) continue;
      for (const entry of [...this.regions.values()]) if (entry.ownerPid === pid) this.forget(entry, 'owner-gone');
    }
  }
}
