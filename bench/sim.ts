/**
 * Protocol quality in simulation (shared/bench/method.md section 2).
 *
 *   npm run bench:sim -- --scenario s3 --nodes 10000 --seed 1
 *   npm run bench:sim -- --scenario s1s3 --nodes 10000 --seeds 1,2,3
 *
 * Prints one JSON object per run on stdout (a human line on stderr). Scenarios: s1
 * (bootstrap), s2 (single sender), s3 (random senders; includes s1's overlay checks,
 * hence `s1s3` as an alias). Exits 1 if a check fails. Each run is bounded by the
 * simulation itself (fixed broadcast count, 5 s virtual cap per broadcast).
 */
import { Command, InvalidArgumentError } from 'commander'
import { SCENARIOS, type ScenarioName, type ScenarioResult } from '../src/gossip/sim/index.js'

function positiveInt(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer')
  return n
}

function seedList(value: string): number[] {
  return value.split(',').map((s) => {
    const n = Number(s)
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`bad seed "${s}"`)
    return n
  })
}

const program = new Command()
  .name('bench:sim')
  .description('Run a simulation scenario and print its metrics as JSON')
  .option('--scenario <name>', 's1 | s2 | s3 | s1s3', 's3')
  .option('--nodes <n>', 'number of nodes', positiveInt, 1_000)
  .option('--seed <s>', 'seed', positiveInt)
  .option('--seeds <list>', 'comma-separated seeds (one run each)', seedList)
  .option('--broadcasts <n>', 'broadcasts in the measured phase (s2 default 50, s3 default 100)', positiveInt)
  .option('--check', 'check local invariants after every step (slower)', false)
  .parse()

const options = program.opts<{
  scenario: string
  nodes: number
  seed?: number
  seeds?: number[]
  broadcasts?: number
  check: boolean
}>()

const name = (options.scenario === 's1s3' ? 's3' : options.scenario) as ScenarioName
if (!(name in SCENARIOS)) {
  console.error(`unknown scenario "${options.scenario}": use s1, s2, s3 or s1s3`)
  process.exit(2)
}
const seeds = options.seeds ?? [options.seed ?? 1]

let failed = false
for (const seed of seeds) {
  const startMs = performance.now()
  const result: ScenarioResult = SCENARIOS[name]({
    nodes: options.nodes,
    seed,
    checkInvariants: options.check,
    ...(options.broadcasts === undefined ? {} : { broadcasts: options.broadcasts }),
  })
  const wallMs = Math.round(performance.now() - startMs)
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024)
  const delivery = result.delivery
  const report = {
    bench: 'sim-v1',
    scenario: options.scenario,
    nodes: options.nodes,
    seed,
    invariantChecks: options.check,
    reliability: delivery?.minReliability ?? null,
    rmr: delivery === undefined ? null : round(delivery.rmr, 4),
    ldh: delivery === undefined ? null : round(delivery.meanLdh, 2),
    ldhMax: delivery?.ldh ?? null,
    floodLdh: result.floodLdh ?? null,
    controlPerBroadcast: result.controlPerBroadcast === undefined ? null : round(result.controlPerBroadcast, 1),
    latencyMs: delivery?.latencyMs ?? null,
    duplicateDeliveries: delivery?.duplicateDeliveries ?? null,
    overlay: {
      components: result.overlay.components,
      fullActiveViewShare: round(result.overlay.fullActiveViewShare, 4),
      symmetricLinkShare: round(result.overlay.symmetricLinkShare, 4),
      meanPassiveSize: round(result.overlay.meanPassiveSize, 1),
      activeInDegree: result.overlay.activeInDegree,
    },
    messagesPerBroadcast: result.messagesPerBroadcast ?? null,
    virtualMs: result.virtualMs,
    steps: result.steps,
    wallMs,
    peakRssMb,
    checks: result.checks,
    replay: result.replay,
  }
  console.log(JSON.stringify(report))
  const bad = result.checks.filter((c) => !c.ok)
  console.error(
    `${options.scenario} nodes=${options.nodes} seed=${seed}: reliability ${report.reliability} rmr ${report.rmr} ` +
      `ldh ${report.ldh} (max ${report.ldhMax}) wall ${wallMs} ms rss ${peakRssMb} MB` +
      (bad.length === 0 ? ' - all checks pass' : ` - FAILED: ${bad.map((c) => `${c.name} (${c.detail})`).join('; ')}\n  replay: ${result.replay}`),
  )
  if (bad.length > 0) failed = true
}
process.exit(failed ? 1 : 0)

function round(value: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
