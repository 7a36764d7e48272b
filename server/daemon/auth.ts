// Who may call a TCP daemon. A Unix socket is private by its mode (0600 in a 0700 directory); a
// TCP port is open to every local user (and to other hosts with --allow-remote), so a TCP daemon
// requires a token: 32 random bytes, created at its first TCP start in a 0600 file (the default
// of server/wire/address.ts defaultTokenFile, or --token-file), sent by clients as
// `authorization: Bearer TOKEN`. Calls without it, or with another, are UNAUTHENTICATED.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { status, type Metadata } from '@grpc/grpc-js';
import { TOKEN_METADATA_KEY } from '../wire/address';
import { StatusError } from '../wire/status';

export type Authorize = (metadata: Metadata) => void;

// The token in `file`, created (directory 0700, file 0600) when missing. Refuses a file that other
// users can read: the token would not be a secret.
export function loadOrCreateToken(file: string): { token: string; created: boolean } {
  if (fs.existsSync(file)) {
    const stat = fs.statSync(file);
    if ((stat.mode & 0o077) !== 0) {
      throw new Error(`${file} is readable by other users (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 it, or remove it to get a new token`);
    }
    const token = fs.readFileSync(file, 'utf8').trim();
    if (token.length < 32) throw new Error(`${file} holds no token (at least 32 characters): remove it to get a new one`);
    return { token, created: false };
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const token = crypto.randomBytes(32).toString('base64url');
  fs.writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
  return { token, created: true };
}

export function tokenAuthorizer(token: string, tokenFile: string): Authorize {
  const expected = Buffer.from(`Bearer ${token}`);
  return (metadata) => {
    const given = metadata.get(TOKEN_METADATA_KEY).map(String)[0];
    const ok = given !== undefined && Buffer.byteLength(given) === expected.length && crypto.timingSafeEqual(Buffer.from(given), expected);
    if (!ok) {
      throw new StatusError(status.UNAUTHENTICATED, given === undefined
        ? `this daemon listens on TCP and requires its token (metadata "authorization: Bearer TOKEN"; the token is in ${tokenFile}, or set HAMD_TOKEN)`
        : 'the token does not match this daemon\'s');
    }
  };
}
