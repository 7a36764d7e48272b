// Locations inside the installed package, valid both from server/ (sources) and
// dist/server/ (compiled): walk up from this file to the package root. server/base/ is the
// lowest layer (.dependency-cruiser.js): Node built-ins only, so that server/wire/ (the contract,
// which finds proto/ here) and with it the Node client depend on nothing of the daemon.
import * as fs from 'node:fs';
import * as path from 'node:path';

function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && fs.existsSync(path.join(dir, 'proto'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`hamd package root not found above ${start}`);
    dir = parent;
  }
}

export const packageRoot = findPackageRoot(__dirname);
export const protoRoot = path.join(packageRoot, 'proto');
export const hamdProtoFile = 'hamd/v1/hamd.proto';
export const cliEntry = path.join(packageRoot, 'bin', 'hamd.js');

export function packageVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8'));
  return String(manifest.version);
}
