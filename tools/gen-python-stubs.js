#!/usr/bin/env node
// Generates the Python gRPC stubs of proto/hamd/v1/hamd.proto into
// clients/python/hamd/_proto/ (run by `npm run prepare`) for the dev path
// PYTHONPATH=clients/python. The generation itself is clients/python/build_stubs.py, the same code
// that `pip install ./clients/python` runs at build time. Needs grpcio-tools; without it, prints
// why and exits 0 so that the Node build still succeeds.
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..');
const python = process.env.PYTHON || 'python3';

const probe = spawnSync(python, ['-c', 'import grpc_tools.protoc'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.log(`gen-python-stubs: skipped, '${python} -c "import grpc_tools.protoc"' failed ` +
    '(install grpcio-tools to build the Python client: pip install grpcio-tools)');
  process.exit(0);
}
const result = spawnSync(python, [path.join(root, 'clients', 'python', 'build_stubs.py'),
  '--proto-root', path.join(root, 'proto'), '--out', path.join(root, 'clients', 'python', 'hamd', '_proto')],
{ stdio: ['ignore', 'inherit', 'inherit'] });
process.exit(result.status ?? 1);
