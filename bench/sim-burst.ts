/**
 * Concurrent broadcasts in simulation: fan-out latency, RMR and tree health when
 * messages from several senders overlap (the fan-out bench's burst phase, without CPU).
 *
 *   npx tsx bench/sim-burst.ts --nodes 50 --interval-ms 5 --messages 200 --seed 1
 *   npx tsx bench/sim-burst.ts --nodes 12 --senders 12 --interval-ms 83 --messages 240 \
 *     --min-latency-ms 30 --max-latency-ms 50
 *
 * Prints one JSON object (see bench/sim/concurrent.ts for the fields). `--trees 0`
 * runs the same with one shared tree for every sender; `--fixed-graft-wait` turns the
 * adaptive graft wait off; `--shared-tree-quiet-ms 0` lets first messages prune the
 * shared tree at once. `--compare-interval-ms 1000` also runs the same broadcasts that
 * far apart and reports the burst's fan-out p50 and p99 as ratios of theirs, with the
 * bars (p50 <= 1.25x, p99 <= 1.5x, RMR <= 0.05, every node with an eager parent).
 * Bounded by the simulation itself (fixed counts, at most 20 s of virtual time after the
 * last broadcast).
 */
import { Command } from 'commander'
import { runConcurrentSenders, type ConcurrentResult } from './sim/concurrent.js'
import { nonNegativeInt } from '../src/cli/int-args.js'

const options = new Command('sim-burst')
  .option('--nodes <n>', 'swarm size', nonNegativeInt, 50)
  .option('--interval-ms <ms>', 'virtual time between two broadcasts', nonNegativeInt, 5)
  .option('--messages <n>', 'broadcasts in the measured phase', nonNegativeInt, 200)
  .option('--senders <n>', 'distinct senders (0 = any node)', nonNegativeInt, 0)
  .option('--warmup <n>', 'sequential broadcasts before the measured phase', nonNegativeInt, 20)
  .option('--min-latency-ms <ms>', 'smallest link latency', nonNegativeInt, 10)
  .option('--max-latency-ms <ms>', 'largest link latency', nonNegativeInt, 50)
  .option('--trees <n>', 'broadcast.maxOriginTrees (0 = one shared tree)', nonNegativeInt)
  .option('--fixed-graft-wait', 'broadcast.adaptiveGraftTimeout = false')
  .option('--shared-tree-quiet-ms <ms>', 'broadcast.sharedTreeQuietMs', nonNegativeInt)
  .option('--compare-interval-ms <ms>', 'also run the same broadcasts this far apart and report ratios', nonNegativeInt)
  .option('--seed <s>', 'seed', nonNegativeInt, 1)
  .parse()
  .opts<{
    nodes: number
    intervalMs: number
    messages: number
    senders: number
    warmup: number
    minLatencyMs: number
    maxLatencyMs: number
    trees?: number
    fixedGraftWait?: boolean
    sharedTreeQuietMs?: number
    compareIntervalMs?: number
    seed: number
  }>()

const broadcast = {
  ...(options.trees === undefined ? {} : { maxOriginTrees: options.trees }),
  ...(options.fixedGraftWait === true ? { adaptiveGraftTimeout: false } : {}),
  ...(options.sharedTreeQuietMs === undefined ? {} : { sharedTreeQuietMs: options.sharedTreeQuietMs }),
}
const run = (intervalMs: number): ConcurrentResult =>
  runConcurrentSenders({
    nodes: options.nodes,
    seed: options.seed,
    intervalMs,
    messages: options.messages,
    senders: options.senders,
    warmup: options.warmup,
    minLatencyMs: options.minLatencyMs,
    maxLatencyMs: options.maxLatencyMs,
    config: { broadcast },
  })

const burst = run(options.intervalMs)
if (options.compareIntervalMs === undefined) {
  console.log(JSON.stringify(burst))
} else {
  const apart = run(options.compareIntervalMs)
  const p50Ratio = burst.fanoutLatencyMs.p50 / apart.fanoutLatencyMs.p50
  const p99Ratio = burst.fanoutLatencyMs.p99 / apart.fanoutLatencyMs.p99
  const round = (x: number): number => Number(x.toFixed(2))
  console.log(
    JSON.stringify({
      bench: 'sim-burst-compare-v1',
      burst,
      apart,
      p50Ratio: round(p50Ratio),
      p99Ratio: round(p99Ratio),
      checks: {
        p50Within125: p50Ratio <= 1.25,
        p99Within150: p99Ratio <= 1.5,
        rmrAtMost005: burst.rmr <= 0.05,
        everyNodeHasEagerParent: burst.pairsWithoutEagerLink === 0,
      },
    }),
  )
}
