#!/usr/bin/env node
// Generates the TypeScript types of proto/hamd/v1/hamd.proto with @grpc/proto-loader's
// proto-loader-gen-types (`npm run gen:types`), into server/wire/generated/ (committed) or the
// directory given as the first argument. The options are those server/wire/proto.ts loads the
// proto with, so that the types describe exactly the objects grpc-js hands over and takes:
// `Foo__Output` what is received (absent scalars undefined, repeated fields []), `Foo` what may
// be sent. test/contract.test.ts regenerates into a temporary directory and fails when the
// committed files differ, and checks these options against proto.ts's.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const defaultOutDir = path.join(root, 'server', 'wire', 'generated');
const protoFile = 'hamd/v1/hamd.proto';

// Same meaning as server/wire/proto.ts's loaderOptions (its `longs: Number`, `bytes: Buffer` are
// the names here).
const generatorOptions = {
  keepCase: true,
  longs: 'Number',
  enums: 'String',
  bytes: 'Buffer',
  defaults: false,
  arrays: true,
  oneofs: true,
};

function generatorArgs(outDir) {
  const flags = [];
  for (const [name, value] of Object.entries(generatorOptions)) {
    if (value === true) flags.push(`--${name}`);
    else if (typeof value === 'string') flags.push(`--${name}=${value}`);
  }
  // cwd is the repository root and the include dir is relative: the "Original file:" lines the
  // generator writes are then the same on every machine.
  return [...flags, '--grpcLib=@grpc/grpc-js', '-I', 'proto', '-O', outDir, protoFile];
}

function generate(outDir = defaultOutDir) {
  const bin = require.resolve('@grpc/proto-loader/build/bin/proto-loader-gen-types.js', { paths: [root] });
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const result = spawnSync(process.execPath, [bin, ...generatorArgs(outDir)], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`proto-loader-gen-types failed (${result.status}): ${result.stderr || result.stdout}`);
  }
  return outDir;
}

module.exports = { generate, generatorOptions, defaultOutDir };

if (require.main === module) {
  const outDir = path.resolve(process.argv[2] ?? defaultOutDir);
  generate(outDir);
  console.log(`gen-types: wrote ${path.relative(root, outDir) || outDir}/ from proto/${protoFile}`);
}
