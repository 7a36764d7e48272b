#!/usr/bin/env node
// Generates the Python gRPC stubs of proto/hamd/v1/hamd.proto into
// clients/python/hamd/_proto/ (run by `npm run prepare`). Needs grpcio-tools; without it,
// prints why and exits 0 so that the Node build still succeeds.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const protoRoot = path.join(root, 'proto');
const outDir = path.join(root, 'clients', 'python', 'hamd', '_proto');
const python = process.env.PYTHON || 'python3';

const probe = spawnSync(python, ['-c', 'import grpc_tools.protoc'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.log(`gen-python-stubs: skipped, '${python} -c "import grpc_tools.protoc"' failed ` +
    '(install grpcio-tools to build the Python client: pip install grpcio-tools)');
  process.exit(0);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hamd-stubs-'));
try {
  const result = spawnSync(python, ['-m', 'grpc_tools.protoc', `-I${protoRoot}`,
    `--python_out=${work}`, `--grpc_python_out=${work}`, 'hamd/v1/hamd.proto'],
    { encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error('gen-python-stubs: grpc_tools.protoc failed');
    process.exit(1);
  }
  fs.mkdirSync(outDir, { recursive: true });
  const generated = path.join(work, 'hamd', 'v1');
  fs.copyFileSync(path.join(generated, 'hamd_pb2.py'), path.join(outDir, 'hamd_pb2.py'));
  // protoc writes an absolute import (`from hamd.v1 import hamd_pb2`), which would resolve
  // against the `hamd` client package itself: make it relative to _proto/.
  const grpcStub = fs.readFileSync(path.join(generated, 'hamd_pb2_grpc.py'), 'utf8')
    .replace(/^from hamd\.v1 import hamd_pb2 as/m, 'from . import hamd_pb2 as');
  if (!/^from \. import hamd_pb2 as/m.test(grpcStub)) {
    console.error('gen-python-stubs: could not find the import of hamd_pb2 to make relative');
    process.exit(1);
  }
  fs.writeFileSync(path.join(outDir, 'hamd_pb2_grpc.py'), grpcStub);
  fs.writeFileSync(path.join(outDir, '__init__.py'),
    '"""gRPC stubs generated from proto/hamd/v1/hamd.proto by tools/gen-python-stubs.js."""\n');
  console.log(`gen-python-stubs: wrote ${path.relative(root, outDir)}/hamd_pb2{,_grpc}.py`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
