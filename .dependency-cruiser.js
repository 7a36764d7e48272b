// One-way arrows between the TypeScript layers, checked by dependency-cruiser on every `npm test`
// (tools/check-imports.js, in the `layers` suite of tools/run-tests.js). Lowest first:
//
//   server/base/    package paths, logger                        (Node built-ins only)
//   server/wire/    the contract: generated message types, vocabulary, proto loading, arrays,
//                   addresses, status errors                     (may import base)
//   server/io/      the NPZ writer of the CLI                    (may import base)
//   server/native/  typed view of the addon                      (base, wire, io)
//   server/models/  model registry                               (base, wire, io, native)
//   server/daemon/  gRPC server, handlers, validation            (everything below)
//   server/cli/     the `hamd` command                           (everything, and clients/node)
//
//   clients/node/   the Node client: npm packages and server/wire/ only (the contract). wire
//                   itself uses server/base/ (to find proto/), so the client's closure is
//                   wire + base, neither of which knows the daemon.
//   bench/, test/   may import anything.
//
// Type-only imports count (tsPreCompilationDeps): a type is an arrow too. Every rule is an error;
// a run prints one "ok" per rule without violations and one "not ok" per violation.
'use strict';

const layers = ['base', 'wire', 'io', 'native', 'models', 'daemon', 'cli'];
// What each layer may import of the others (besides itself).
const allowed = {
  base: [],
  wire: ['base'],
  io: ['base'],
  native: ['base', 'wire', 'io'],
  models: ['base', 'wire', 'io', 'native'],
  daemon: ['base', 'wire', 'io', 'native', 'models'],
  cli: ['base', 'wire', 'io', 'native', 'models', 'daemon'],
};

const layerRules = layers.map((layer) => {
  const forbidden = layers.filter((other) => other !== layer && !allowed[layer].includes(other));
  const targets = forbidden.map((other) => `server/${other}/`);
  if (layer !== 'cli') targets.push('clients/');
  targets.push('bench/', 'test/');
  return {
    name: `layer-${layer}`,
    comment: allowed[layer].length === 0
      ? `server/${layer}/ may import no other layer (Node built-ins and npm packages only)`
      : `server/${layer}/ may import, of the other layers, only ${allowed[layer].map((l) => `server/${l}/`).join(', ')}`
        + `${layer === 'cli' ? ' and clients/node/' : ''}`,
    severity: 'error',
    from: { path: `^server/${layer}/` },
    to: { path: `^(${targets.join('|')})` },
  };
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import cycle between TypeScript modules',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'server-layer-folders',
      comment: 'every server module lives in a layer folder (base, wire, io, native, models, daemon, cli)',
      severity: 'error',
      from: { path: '^server/', pathNot: `^server/(${layers.join('|')})/` },
      to: {},
    },
    {
      name: 'client-imports-only-the-contract',
      comment: 'clients/node/ may import only server/wire/ (the contract) and npm packages',
      severity: 'error',
      from: { path: '^clients/node/' },
      to: { path: '^(server/(?!wire/)|bench/|test/|clients/(?!node/))' },
    },
  ],
  options: {
    includeOnly: '^(server|clients|bench|test)/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|build|node_modules)/' },
  },
};
