/**
 * Fan-out latency benchmark, method "fan-out bench v1" (docs/method.md §1).
 *
 *   npm run bench:fanout -- --nodes 50 [--mode sequential|burst|all] [--processes]
 *
 * Prints one JSON object on stdout (human lines on stderr):
 *   { bench: "fanout-v1", config, setup: { setupMs, cpuMs }, phases: { sequential, burst },
 *     floor, fanoutP50OverFloor, peakRssMb }
 * Every wait is bounded: joins 60 s, each sequential message 2 s, a burst 5 s after
 * its last send; the whole run is capped by --max-seconds.
 */
import '../src/polyfill.js'
import { Command } from 'commander'
import { measureFloor } from './fanout/floor.js'
import { InProcessSwarm } from './fanout/in-process.js'
import { MultiProcessSwarm } from './fanout/multi-process.js'
import { burst, sequential, setup, type FanoutConfig, type SwarmDriver } from './fanout/phases.js'
import { positiveInt } from '../src/cli/int-args.js'

const options = new Command('bench:fanout')
  .option('--nodes <n>', 'swarm size', positiveInt, 50)
  .option('--mode <mode>', 'sequential | burst | all', 'all')
  .option('--processes', 'one OS process per node (N <= 20)', false)
  .option('--degree <d>', 'bootstrap contacts per joining node', positiveInt, 3)
  .option('--messages <m>', 'sequential messages', positiveInt, 200)
  .option('--burst <b>', 'burst messages', positiveInt, 500)
  .option('--rate <r>', 'burst rate per second', positiveInt, 200)
  .option('--size <bytes>', 'payload bytes', positiveInt, 256)
  .option('--warmup <w>', 'warm-up broadcasts (not counted)', positiveInt, 20)
  .option('--ihave-dispatch-ms <ms>', 'broadcast.ihaveDispatchMs for every node (default: the node default)', positiveInt)
  .option('--seed <s>', 'seed for senders and bootstrap choices', positiveInt, 1)
  .option('--max-seconds <s>', 'abort the run after this long', positiveInt, 600)
  .parse()
  .opts<{
    nodes: number
    mode: string
    processes: boolean
    degree: number
    messages: number
    burst: number
    rate: number
    size: number
    warmup: number
    seed: number
    ihaveDispatchMs?: number
    maxSeconds: number
  }>()

if (!['sequential', 'burst', 'all'].includes(options.mode)) {
  console.error(`--mode must be sequential, burst or all, not "${options.mode}"`)
  process.exit(2)
}
if (options.processes && options.nodes > 20) {
  console.error('--processes supports at most 20 nodes')
  process.exit(2)
}

const config: FanoutConfig = {
  nodes: options.nodes,
  degree: options.degree,
  messages: options.messages,
  burstMessages: options.burst,
  rate: options.rate,
  sizeBytes: options.size,
  warmup: options.warmup,
  settleMs: 3_000,
  messageTimeoutMs: 2_000,
  seed: options.seed,
  mode: options.mode as FanoutConfig['mode'],
  processes: options.processes,
  ihaveDispatchMs: options.ihaveDispatchMs,
}

const abort = setTimeout(() => {
  console.error(`bench:fanout: aborted after ${options.maxSeconds} s`)
  process.exit(1)
}, options.maxSeconds * 1000)
abort.unref()

const swarm: SwarmDriver = config.processes ? new MultiProcessSwarm(config) : new InProcessSwarm(config)
const setupFigures = await setup(swarm, config)
console.error(`setup: ${config.nodes} nodes in ${setupFigures.setupMs} ms`)
await sequential(swarm, config, config.warmup)
const phases: Record<string, unknown> = {}
if (config.mode !== 'burst') {
  const figures = await sequential(swarm, config, config.messages)
  phases.sequential = figures
  console.error(`sequential: fan-out p50 ${figures.fanoutLatencyMs.p50} ms, p99 ${figures.fanoutLatencyMs.p99} ms, delivery ${figures.deliveryRatio}, cpu ${figures.cpuMsPerMsg} ms/msg, ${figures.wireBytesPerMsg} B/msg`)
}
if (config.mode !== 'sequential') {
  const figures = await burst(swarm, config, config.burstMessages)
  phases.burst = figures
  console.error(`burst ${config.rate}/s: fan-out p50 ${figures.fanoutLatencyMs.p50} ms, p99 ${figures.fanoutLatencyMs.p99} ms, delivery ${figures.deliveryRatio}, cpu ${figures.cpuMsPerMsg} ms/msg`)
}
await swarm.stop()
const floor = await measureFloor(config.nodes, config.sizeBytes)
const sequentialP50 = (phases.sequential as { fanoutLatencyMs: { p50: number } } | undefined)?.fanoutLatencyMs.p50
const report = {
  bench: 'fanout-v1',
  config,
  setup: setupFigures,
  phases,
  floor,
  fanoutP50OverFloor: sequentialP50 === undefined ? null : Math.round((sequentialP50 / floor.fanoutFloorMs) * 100) / 100,
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  node: process.version,
}
console.error(`floor: ${floor.fanoutFloorMs} ms per fan-out (${floor.perReceiverUs.total} us per receiver); p50/floor ${report.fanoutP50OverFloor}`)
console.log(JSON.stringify(report))
clearTimeout(abort)
process.exit(0)
