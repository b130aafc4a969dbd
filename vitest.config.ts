import { configDefaults, defineConfig } from 'vitest/config'
import SlowFirstSequencer from './test/sequencer.js'

/**
 * Test files that only compute: the simulator, the protocol core, property tests of the
 * codecs. No sockets, processes or wall-clock waits, so they can share the CPU without
 * changing what they measure; they make up most of the suite's time.
 */
const COMPUTE_ONLY = [
  'test/sim/**/*.test.ts',
  'test/proto/**/*.test.ts',
  'test/fuzz/**/*.test.ts',
  'test/ticket/**/*.test.ts',
  'test/wire.test.ts',
]

export default defineConfig({
  test: {
    setupFiles: ['./test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      {
        // One file per core (Vitest's default keeps one core free: one worker on a
        // 2-core machine), first.
        extends: true,
        test: { name: 'compute', include: COMPUTE_ONLY, maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        // Real sockets, child processes, terminals and timers: one file at a time, after
        // the compute group, so their timing is not disturbed by it.
        extends: true,
        test: {
          name: 'io',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...COMPUTE_ONLY],
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
