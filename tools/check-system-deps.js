#!/usr/bin/env node
// Runs before the native build (npm install): makes sure the Debian packages the addon
// needs are present; installs them when running as root with apt-get, else names them.
'use strict';
const fs = require('node:fs');
const { execSync, spawnSync } = require('node:child_process');

const required = [
  { pkg: 'cmake', present: () => hasCommand('cmake') },
  { pkg: 'g++', present: () => hasCommand('g++') },
  { pkg: 'libeigen3-dev', present: () => fs.existsSync('/usr/include/eigen3/Eigen/Core') },
  { pkg: 'libopenblas-dev', present: () => fs.existsSync('/usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h') || fs.existsSync('/usr/include/openblas/cblas.h') || fs.existsSync('/usr/include/cblas.h') },
  { pkg: 'liblapacke-dev', present: () => fs.existsSync('/usr/include/lapacke.h') },
];

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

const missing = required.filter((r) => !r.present()).map((r) => r.pkg);
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && hasCommand('apt-get')) {
  console.error(`hamd: installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execSync('apt-get update -qq', { stdio: 'inherit', env });
    execSync(`apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`, { stdio: 'inherit', env });
    process.exit(0);
  } catch (error) {
    console.error(`hamd: apt-get failed: ${error.message}`);
  }
}
console.error(`hamd: missing system packages. Install them with:\n  sudo apt-get install ${missing.join(' ')}`);
process.exit(1);
