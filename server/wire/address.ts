// Where a hamd daemon listens. Default: a per-user Unix socket,
//   $XDG_RUNTIME_DIR/hamd/hamd.sock   when XDG_RUNTIME_DIR is set,
//   /tmp/hamd-$UID/hamd.sock          otherwise;
// the directory is private (0700) and the socket 0600. TCP only when asked, on
// loopback unless remote access is explicitly allowed.
import * as os from 'node:os';
import * as path from 'node:path';

export function defaultSocketDir(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && path.isAbsolute(runtime)) return path.join(runtime, 'hamd');
  const uid = typeof process.getuid === 'function' ? process.getuid() : os.userInfo().uid;
  return path.join(os.tmpdir() === '/tmp' ? '/tmp' : os.tmpdir(), `hamd-${uid}`);
}

export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(defaultSocketDir(env), 'hamd.sock');
}

// Address a client uses when given none: $HAMD_ADDRESS, else the default socket.
export function defaultAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.HAMD_ADDRESS && env.HAMD_ADDRESS.length > 0 ? env.HAMD_ADDRESS : `unix:${defaultSocketPath(env)}`;
}

// The token a TCP daemon requires (every call's `authorization: Bearer TOKEN` metadata; Unix
// sockets need none, their mode 0600 keeps others out). Clients take $HAMD_TOKEN, else the file
// $HAMD_TOKEN_FILE, else this default, which the daemon creates (0600) at its first TCP start:
//   $XDG_CONFIG_HOME/hamd/token, else ~/.config/hamd/token.
export function defaultTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HAMD_TOKEN_FILE && env.HAMD_TOKEN_FILE.length > 0) return env.HAMD_TOKEN_FILE;
  const config = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return path.join(config, 'hamd', 'token');
}

export const TOKEN_METADATA_KEY = 'authorization';

// The certificate a client trusts for a TCP daemon (TLS): $HAMD_TLS_CERT, else cert.pem beside
// the token file, where a daemon that made its own certificate keeps it.
export function defaultTlsCertFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HAMD_TLS_CERT && env.HAMD_TLS_CERT.length > 0) return env.HAMD_TLS_CERT;
  return path.join(path.dirname(defaultTokenFile(env)), 'cert.pem');
}

export type ListenAddress =
  | { kind: 'unix'; path: string; grpc: string }
  | { kind: 'tcp'; host: string; port: number; grpc: string; loopback: boolean };

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

// Accepts "unix:/abs/path", "unix:///abs/path", "unix:relative", "/abs/path",
// "HOST:PORT" and "[IPv6]:PORT".
export function parseAddress(address: string): ListenAddress {
  if (address.startsWith('unix:') || address.startsWith('/')) {
    let file = address.startsWith('unix:') ? address.slice('unix:'.length) : address;
    if (file.startsWith('//')) file = file.slice(2); // unix:///abs -> /abs
    if (file.length === 0) throw new Error(`address "${address}": empty socket path`);
    const absolute = path.resolve(file);
    return { kind: 'unix', path: absolute, grpc: `unix:${absolute}` };
  }
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(address);
  if (!match) throw new Error(`address "${address}": expected unix:/path or HOST:PORT`);
  const host = match[1] ?? match[2];
  const port = Number(match[3]);
  if (port > 65535) throw new Error(`address "${address}": port ${port} out of range`);
  const grpc = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { kind: 'tcp', host, port, grpc, loopback: isLoopbackHost(host) };
}
