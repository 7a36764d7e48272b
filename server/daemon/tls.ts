// TLS for TCP daemons. A TCP port can be reached by other users (and other hosts with
// --allow-remote), so a TCP daemon speaks TLS: with --tls-cert/--tls-key, or with a self-signed
// certificate it makes at its first TCP start (Debian's openssl: EC P-256, 10 years, names
// localhost, 127.0.0.1 and ::1), kept beside the token (cert.pem, key.pem 0600). Clients on the
// same host trust that cert.pem (server/wire/address.ts defaultTlsCertFile); remote clients get a
// copy of it, or the daemon is given a certificate of the site's own CA.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';

export interface TlsFiles {
  cert: string;
  key: string;
  created: boolean;
}

// The certificate and key to serve: given, or made (once) in `dir`.
export function tlsFiles(given: { cert?: string; key?: string }, dir: string): TlsFiles {
  if (given.cert !== undefined || given.key !== undefined) {
    if (given.cert === undefined || given.key === undefined) throw new Error('--tls-cert and --tls-key go together');
    return { cert: given.cert, key: given.key, created: false };
  }
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  if (fs.existsSync(cert) && fs.existsSync(key)) return { cert, key, created: false };
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const previous = process.umask(0o077);  // the key is never readable by others, not even briefly
  try {
    const made = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256',
      '-keyout', key, '-out', cert, '-days', '3650', '-subj', '/CN=hamd',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
    ], { encoding: 'utf8' });
    if (made.error || made.status !== 0) {
      throw new Error(`a TCP daemon serves TLS and could not make its certificate with openssl (${made.error?.message ?? made.stderr.trim()}): `
        + 'install openssl (apt-get install openssl) or pass --tls-cert FILE --tls-key FILE');
    }
  } finally {
    process.umask(previous);
  }
  fs.chmodSync(key, 0o600);
  return { cert, key, created: true };
}

export function tlsCredentials(files: TlsFiles): grpc.ServerCredentials {
  const stat = fs.statSync(files.key);
  if ((stat.mode & 0o077) !== 0) throw new Error(`${files.key} is readable by other users: chmod 600 it`);
  return grpc.ServerCredentials.createSsl(null, [{ cert_chain: fs.readFileSync(files.cert), private_key: fs.readFileSync(files.key) }], false);
}
