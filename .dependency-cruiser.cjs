/**
 * Import directions, checked by `npm run check:imports` (part of `npm run build` and CI):
 *
 * - the protocol core (src/gossip/proto) imports nothing outside itself but the shared
 *   leaf modules src/errors.ts and src/ids.ts, and no Node.js module: no sockets,
 *   timers, clocks, randomness or process;
 * - the transport, tickets and discovery never import the gossip layers or the CLI;
 * - the CLI imports only the public entry points (`hearsay`, `hearsay/transport`,
 *   `hearsay/proto`, `hearsay/sim`);
 * - no module imports the CLI or the benchmarks, and there are no cycles.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle makes two modules one: extract what both need into a third.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-imports-only-itself',
      severity: 'error',
      comment: 'The protocol core is pure: it may import only itself, src/errors.ts and src/ids.ts.',
      from: { path: '^src/gossip/proto/' },
      to: { pathNot: ['^src/gossip/proto/', '^src/errors\\.ts$', '^src/ids\\.ts$'] },
    },
    {
      name: 'core-uses-no-node-modules',
      severity: 'error',
      comment: 'The protocol core touches no sockets, timers, clocks or processes.',
      from: { path: '^src/gossip/proto/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'lower-layers-never-import-gossip',
      severity: 'error',
      comment: 'Transport, tickets and discovery sit below gossip: share code through src/ids.ts, src/clock.ts, src/log.ts or src/errors.ts.',
      from: { path: '^src/(transport|ticket|discovery)/' },
      to: { path: '^src/(gossip|cli)/' },
    },
    {
      name: 'shared-leaves-import-no-layer',
      severity: 'error',
      comment: 'src/errors.ts, src/ids.ts, src/clock.ts and src/log.ts are shared by every layer and import none.',
      from: { path: '^src/(errors|ids|clock|log)\\.ts$' },
      to: { path: '^src/(gossip|transport|ticket|discovery|cli)/' },
    },
    {
      name: 'cli-uses-public-entry-points',
      severity: 'error',
      comment: 'The CLI is a client of the package: import from src/index.ts, src/transport/index.ts, src/gossip/proto/index.ts or src/gossip/sim/index.ts.',
      from: { path: '^src/cli/' },
      to: {
        path: '^src/',
        pathNot: ['^src/cli/', '^src/index\\.ts$', '^src/transport/index\\.ts$', '^src/gossip/proto/index\\.ts$', '^src/gossip/sim/index\\.ts$'],
      },
    },
    {
      name: 'nothing-imports-cli-or-bench',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^(src/cli|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
}
