/**
 * Fan-out latency benchmark, method "fan-out bench v2" (docs/method.md §1; v2 = v1 plus
 * the overload indicators and --mode rates).
 *
 *   npm run bench:fanout -- --nodes 50 [--mode sequential|burst|all|rates] [--rates 25,50,100,200] [--processes]
 *     [--profile phases.cpuprofile]
 *
 * Prints one JSON object on stdout (human lines on stderr):
 *   { bench: "fanout-v2", config,
 *     setup: { setupMs, cpuMs, eventLoopLagMs, neighborDrops, neighborDropsByReason },
 *     phases: { sequential, burst, rates }, sustainableRate, sustainableRule,
 *     floor, fanoutP50OverFloor, peakRssMb, node }
 * Every phase carries eventLoopLagMs { p50, p99, max, samples } (lag of this process's
 * event loop beyond the 10 ms sampling tick; null with --processes), neighborDrops
 * (neighborDown topic events across all nodes, with neighborDropsByReason) and
 * loadAverage1m { start, end } (the machine's 1-minute load average).
 * --mode rates runs the sequential phase, then one burst of --burst messages per rate;
 * phases.rates[i] is that burst's figures with rate, achievedRate and deliveryPercent;
 * sustainableRate is the highest rate whose burst had 100 % delivery, 0 duplicates and
 * fan-out p99 <= 3 x the sequential p99 of the same run (null if none).
 * Every wait is bounded: joins 60 s, each sequential message 2 s, a burst 5 s after
 * its last send; the whole run is capped by --max-seconds, after which the figures
 * measured so far are printed with "aborted": true (exit code 1). A watchdog thread
 * (fanout/watchdog.ts) does the same, and kills the process, when the main event loop
 * stops for --stall-seconds (default 60) or outlives --max-seconds by 30 s.
 */
import '../src/polyfill.js'
import { Command } from 'commander'
import { measureFloor } from './fanout/floor.js'
import { InProcessSwarm } from './fanout/in-process.js'
import { MultiProcessSwarm } from './fanout/multi-process.js'
import { startWatchdog } from './fanout/watchdog.js'
import { startProfile, type PhaseProfiler } from './fanout/profile.js'
import { burst, sequential, setup, type BurstFigures, type FanoutConfig, type SwarmDriver } from './fanout/phases.js'
import type { PhaseFigures } from './fanout/measure.js'
import { positiveInt } from '../src/cli/int-args.js'

const options = new Command('bench:fanout')
  .option('--nodes <n>', 'swarm size', positiveInt, 50)
  .option('--mode <mode>', 'sequential | burst | all | rates', 'all')
  .option('--processes', 'one OS process per node (N <= 20)', false)
  .option('--degree <d>', 'bootstrap contacts per joining node', positiveInt, 3)
  .option('--messages <m>', 'sequential messages', positiveInt, 200)
  .option('--burst <b>', 'burst messages', positiveInt, 500)
  .option('--rate <r>', 'burst rate per second', positiveInt, 200)
  .option('--rates <list>', '--mode rates: comma-separated burst rates per second', '25,50,100,200')
  .option('--size <bytes>', 'payload bytes', positiveInt, 256)
  .option('--warmup <w>', 'warm-up broadcasts (not counted)', positiveInt, 20)
  .option('--ihave-dispatch-ms <ms>', 'broadcast.ihaveDispatchMs for every node (default: the node default)', positiveInt)
  .option('--seed <s>', 'seed for senders and bootstrap choices', positiveInt, 1)
  .option('--max-seconds <s>', 'abort the run after this long', positiveInt, 600)
  .option('--stall-seconds <s>', 'abort when the main event loop is blocked this long (watchdog thread)', positiveInt, 60)
  .option('--profile <file>', 'write a CPU profile of the measured phases (in-process runs)')
  .parse()
  .opts<{
    nodes: number
    mode: string
    processes: boolean
    degree: number
    messages: number
    burst: number
    rate: number
    rates: string
    size: number
    warmup: number
    seed: number
    ihaveDispatchMs?: number
    maxSeconds: number
    stallSeconds: number
    profile?: string
  }>()

if (!['sequential', 'burst', 'all', 'rates'].includes(options.mode)) {
  console.error(`--mode must be sequential, burst, all or rates, not "${options.mode}"`)
  process.exit(2)
}
const MAX_RATES = 20
const rates = options.rates.split(',').map((r) => Number(r.trim()))
if (rates.length === 0 || rates.length > MAX_RATES || !rates.every((r) => Number.isInteger(r) && r > 0)) {
  console.error(`--rates must be 1 to ${MAX_RATES} comma-separated positive integers, not "${options.rates}"`)
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
  ...(options.mode === 'rates' ? { rates, ratePauseMs: 2_000 } : {}),
}

const BENCH = 'fanout-v2'
const startedAt = performance.now()
/** The report as far as the run got; printed whole at the end, or partial on abort / error. */
const report: Record<string, unknown> = { bench: BENCH, config }
const phases: Record<string, unknown> = {}
const printPartial = (why: Record<string, unknown>) => {
  console.log(JSON.stringify({ ...report, phases, ...why, elapsedS: Math.round((performance.now() - startedAt) / 1000), peakRssMb: peakRssMb(), node: process.version }))
}
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024)

const abort = setTimeout(() => {
  console.error(`bench:fanout: aborted after ${options.maxSeconds} s`)
  printPartial({ aborted: true })
  process.exit(1)
}, options.maxSeconds * 1000)
abort.unref()
const watchdog = startWatchdog({ report, maxSeconds: options.maxSeconds, stallSeconds: options.stallSeconds })
const progress = (next: string) => watchdog.progress({ ...report, phases }, next)

const lagText = (f: { eventLoopLagMs: { p50: number; p99: number } | null; neighborDrops: number; loadAverage1m: { start: number; end: number } }) =>
  `loop lag p50 ${f.eventLoopLagMs?.p50 ?? '-'} / p99 ${f.eventLoopLagMs?.p99 ?? '-'} ms, ${f.neighborDrops} neighbor drops, load ${f.loadAverage1m.start}-${f.loadAverage1m.end}`

try {
  const swarm: SwarmDriver = config.processes ? new MultiProcessSwarm(config) : new InProcessSwarm(config)
  const setupFigures = await setup(swarm, config)
  report.setup = setupFigures
  report.phases = phases
  progress('warm-up')
  console.error(`setup: ${config.nodes} nodes in ${setupFigures.setupMs} ms, ${lagText(setupFigures)}`)
  await sequential(swarm, config, config.warmup)
  const profiler: PhaseProfiler | undefined = options.profile !== undefined && !config.processes ? await startProfile(options.profile) : undefined
  if (config.mode !== 'burst') {
    progress('sequential')
    const figures = await sequential(swarm, config, config.messages)
    phases.sequential = figures
    console.error(`sequential: fan-out p50 ${figures.fanoutLatencyMs.p50} ms, p99 ${figures.fanoutLatencyMs.p99} ms, delivery ${figures.deliveryRatio}, cpu ${figures.cpuMsPerMsg} ms/msg, ${figures.wireBytesPerMsg} B/msg, ${figures.framesPerMsg} frames/msg, ${lagText(figures)}`)
  }
  if (config.mode === 'burst' || config.mode === 'all') {
    progress('burst')
    const figures = await burst(swarm, config, config.burstMessages)
    phases.burst = figures
    console.error(`burst ${config.rate}/s (achieved ${figures.achievedRate}/s): fan-out p50 ${figures.fanoutLatencyMs.p50} ms, p99 ${figures.fanoutLatencyMs.p99} ms, delivery ${figures.deliveryRatio}, cpu ${figures.cpuMsPerMsg} ms/msg, ${lagText(figures)}`)
  }
  if (config.mode === 'rates') {
    const sequentialP99 = (phases.sequential as PhaseFigures).fanoutLatencyMs.p99
    const p99LimitMs = Math.round(3 * sequentialP99 * 1000) / 1000
    report.sustainableRule = { deliveryRatio: 1, duplicates: 0, burstP99AtMostMs: p99LimitMs, sequentialP99Ms: sequentialP99 }
    const results: (BurstFigures & { deliveryPercent: number; sustainable: boolean })[] = []
    phases.rates = results
    for (const rate of config.rates ?? []) {
      progress(`rate ${rate}`)
      await new Promise((resolve) => setTimeout(resolve, config.ratePauseMs ?? 0))
      const figures = await burst(swarm, config, config.burstMessages, rate)
      const sustainable = figures.deliveryRatio === 1 && figures.fullyDelivered === figures.messages && figures.duplicates === 0 && figures.fanoutLatencyMs.p99 <= p99LimitMs
      results.push({ ...figures, deliveryPercent: Math.round(figures.deliveryRatio * 100_000) / 1000, sustainable })
      console.error(`rate ${rate}/s (achieved ${figures.achievedRate}/s): fan-out p50 ${figures.fanoutLatencyMs.p50} ms, p99 ${figures.fanoutLatencyMs.p99} ms, delivery ${figures.deliveryRatio}, dup ${figures.duplicates}, ${lagText(figures)}${sustainable ? '' : ' (not sustainable)'}`)
    }
    const ok = results.filter((r) => r.sustainable).map((r) => r.rate)
    report.sustainableRate = ok.length === 0 ? null : Math.max(...ok)
    console.error(`sustainable rate: ${report.sustainableRate ?? 'none'} (burst p99 <= ${p99LimitMs} ms = 3 x sequential p99, 100 % delivery, 0 duplicates)`)
  }
  await profiler?.stop()
  progress('stop and floor')
  await swarm.stop()
  const floor = await measureFloor(config.nodes, config.sizeBytes)
  const sequentialP50 = (phases.sequential as PhaseFigures | undefined)?.fanoutLatencyMs.p50
  const fanoutP50OverFloor = sequentialP50 === undefined ? null : Math.round((sequentialP50 / floor.fanoutFloorMs) * 100) / 100
  console.error(`floor: ${floor.fanoutFloorMs} ms per fan-out (${floor.perReceiverUs.total} us per receiver); p50/floor ${fanoutP50OverFloor}`)
  console.log(JSON.stringify({ ...report, phases, floor, fanoutP50OverFloor, peakRssMb: peakRssMb(), node: process.version }))
} catch (error) {
  console.error(`bench:fanout: ${error instanceof Error ? error.message : String(error)}`)
  printPartial({ error: error instanceof Error ? error.message : String(error) })
  process.exit(1)
}
clearTimeout(abort)
watchdog.stop()
process.exit(0)
