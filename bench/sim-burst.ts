/**
 * Concurrent broadcasts in simulation: fan-out latency, RMR and tree health when
 * messages from several senders overlap (the fan-out bench's burst phase, without CPU).
 *
 *   npx tsx bench/sim-burst.ts --nodes 50 --interval-ms 5 --messages 200 --seed 1
 *   npx tsx bench/sim-burst.ts --nodes 12 --senders 12 --interval-ms 83 --messages 240 \
 *     --min-latency-ms 30 --max-latency-ms 50
 *
 * Prints one JSON object (see src/gossip/sim/concurrent.ts for the fields). `--trees 0`
 * runs the same with one shared tree for every sender; `--fixed-graft-wait` turns the
 * adaptive graft wait off. Bounded by the simulation itself (fixed counts, at most 20 s
 * of virtual time after the last broadcast).
 */
import { Command } from 'commander'
import { runConcurrentSenders } from '../src/gossip/sim/concurrent.js'
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
    seed: number
  }>()

const broadcast = {
  ...(options.trees === undefined ? {} : { maxOriginTrees: options.trees }),
  ...(options.fixedGraftWait === true ? { adaptiveGraftTimeout: false } : {}),
}
console.log(
  JSON.stringify(
    runConcurrentSenders({
      nodes: options.nodes,
      seed: options.seed,
      intervalMs: options.intervalMs,
      messages: options.messages,
      senders: options.senders,
      warmup: options.warmup,
      minLatencyMs: options.minLatencyMs,
      maxLatencyMs: options.maxLatencyMs,
      config: { broadcast },
    }),
  ),
)
