/**
 * The `bench:sim` command (bench/sim.ts): runs a simulation scenario of the protocol
 * core under virtual time and prints its report as JSON (or as human lines).
 *
 * Scenarios: s1, s2, s3 (s1s3) as before; `crash` (S4) sweeps failure rates; the fault
 * scenarios tree-repair (S5), join-storm (S6), races (S7), ihave-flood (S8), churn
 * (S9), partition (S10), by name or by their S-number.
 */
import { Command, InvalidArgumentError } from 'commander'
import {
  DEFAULT_CRASH_RATES,
  FAULT_ALIASES,
  FAULT_SCENARIOS,
  SCENARIOS,
  crashSweepTable,
  faultLine,
  faultReport,
  reportLine,
  runCrashSweep,
  scenarioReport,
  type FaultScenarioName,
  type ScenarioName,
} from './index.js'
import { membershipRoundMs } from '../../src/gossip/sim/index.js'
import { nonNegativeInt, positiveInt } from '../../src/cli/int-args.js'

export interface SimOptions {
  scenario: string
  nodes: number
  seed?: number
  seeds?: number[]
  broadcasts?: number
  fail?: number[]
  rounds?: number
  maxWallS: number
  joinSpacingMs?: number
  /** broadcast.maxOriginTrees for every node (s1/s2/s3/s3r). */
  originTrees?: number
  check: boolean
}

function seedList(value: string): number[] {
  return value.split(',').map((s) => {
    const n = Number(s)
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`bad seed "${s}"`)
    return n
  })
}

function percentList(value: string): number[] {
  return value.split(',').map((s) => {
    const n = Number(s)
    if (!Number.isInteger(n) || n < 1 || n > 99) throw new InvalidArgumentError(`bad failure rate "${s}" (1-99)`)
    return n
  })
}

/** The options of a simulation run, on a fresh command named `name`. */
export function simCommand(name: string): Command {
  return new Command(name)
    .description(
      'run a seeded simulation scenario of the protocol: s1 bootstrap, s2 one sender, s3 random senders, s3r 20 repeating senders, ' +
        'crash (S4 sweep), tree-repair (S5), join-storm (S6), races (S7), ihave-flood (S8), churn (S9), partition (S10)',
    )
    .option('--scenario <name>', 's1 | s2 | s3 | s1s3 | s3r | crash | tree-repair | join-storm | races | ihave-flood | churn | partition (or s4 … s10)', 's3')
    .option('--nodes <n>', 'number of nodes', positiveInt, 1_000)
    .option('--seed <s>', 'seed', positiveInt)
    .option('--seeds <list>', 'comma-separated seeds, one run each', seedList)
    .option('--broadcasts <n>', 'broadcasts in the measured phase (s2: 50, s3: 100)', positiveInt)
    .option('--fail <list>', `failure rates in percent (crash: ${DEFAULT_CRASH_RATES.join(',')}; tree-repair: 50)`, percentList)
    .option('--rounds <n>', 'membership rounds to run (join-storm, races, churn, partition)', positiveInt)
    .option('--max-wall-s <s>', 'crash sweep: start no new run after this many seconds', positiveInt, 3_600)
    .option('--join-spacing-ms <ms>', 's1/s2/s3: virtual time between two joins of the bootstrap (default 10)', positiveInt)
    .option('--origin-trees <n>', 's1/s2/s3/s3r: origins with a broadcast tree of their own (0 = one shared tree; default 64)', nonNegativeInt)
    .option('--check', 'check local invariants after every step (slower)', false)
}

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024)
}

function emit(output: 'json' | 'text', json: unknown, line: string): void {
  if (output === 'json') {
    console.log(JSON.stringify(json))
    console.error(line)
  } else {
    console.log(line)
  }
}

/** Runs the scenario for every seed; returns the exit code (0 all checks pass, 1 a check failed, 2 usage). */
export function runScenarioCommand(options: SimOptions, output: 'json' | 'text'): number {
  return runScenarios(options, output)
}

function runScenarios(options: SimOptions, output: 'json' | 'text'): number {
  const seeds = options.seeds ?? [options.seed ?? 1]
  if (options.scenario === 'crash' || options.scenario === 's4') return runCrash(options, seeds, output)
  const fault = Object.hasOwn(FAULT_SCENARIOS, options.scenario)
    ? (options.scenario as FaultScenarioName)
    : FAULT_ALIASES[options.scenario]
  if (fault !== undefined) return runFault(fault, options, seeds, output)
  const name = (options.scenario === 's1s3' ? 's3' : options.scenario) as ScenarioName
  if (!Object.hasOwn(SCENARIOS, name)) {
    console.error(
      `unknown scenario "${options.scenario}": use s1, s2, s3, s1s3, s3r, crash, tree-repair, join-storm, races, ihave-flood, churn, partition or s4 … s10`,
    )
    return 2
  }
  let failed = false
  for (const seed of seeds) {
    const startMs = performance.now()
    const result = SCENARIOS[name]({
      nodes: options.nodes,
      seed,
      checkInvariants: options.check,
      ...(options.broadcasts === undefined ? {} : { broadcasts: options.broadcasts }),
      ...(options.joinSpacingMs === undefined ? {} : { joinSpacingMs: options.joinSpacingMs }),
      ...(options.originTrees === undefined ? {} : { config: { broadcast: { maxOriginTrees: options.originTrees } } }),
    })
    const report = {
      ...scenarioReport(options.scenario, result, {
        wallMs: Math.round(performance.now() - startMs),
        peakRssMb: peakRssMb(),
        invariantChecks: options.check,
      }),
      joinSpacingMs: options.joinSpacingMs ?? 10,
    }
    emit(output, report, reportLine(report))
    if (report.checks.some((c) => !c.ok)) failed = true
  }
  return failed ? 1 : 0
}

function runCrash(options: SimOptions, seeds: number[], output: 'json' | 'text'): number {
  const startMs = performance.now()
  const result = runCrashSweep({
    nodes: options.nodes,
    seeds,
    rates: options.fail ?? DEFAULT_CRASH_RATES,
    checkInvariants: options.check,
    maxWallMs: options.maxWallS * 1_000,
    onRun: (run, wallMs) =>
      console.error(
        `  ${run.failPercent} % seed ${run.seed}: first broadcast ${run.firstBroadcast.toFixed(4)}, per round ${run.perRound.map((r) => r.toFixed(4)).join(' ')} (${wallMs} ms)`,
      ),
  })
  const report = {
    bench: 'sim-crash-sweep-v1',
    invariantChecks: options.check,
    roundMs: membershipRoundMs(),
    ...result,
    wallMs: Math.round(performance.now() - startMs),
    peakRssMb: peakRssMb(),
  }
  emit(output, report, crashSweepTable(result))
  const failed = result.checks.filter((c) => !c.ok)
  for (const c of failed) console.error(`FAILED ${c.name}: ${c.detail}`)
  return failed.length > 0 ? 1 : 0
}

function runFault(name: FaultScenarioName, options: SimOptions, seeds: number[], output: 'json' | 'text'): number {
  let failed = false
  for (const seed of seeds) {
    const startMs = performance.now()
    const result = FAULT_SCENARIOS[name]({
      nodes: options.nodes,
      seed,
      checkInvariants: options.check,
      ...(options.fail?.[0] === undefined ? {} : { failPercent: options.fail[0] }),
      ...(options.rounds === undefined ? {} : { rounds: options.rounds }),
    })
    const report = faultReport(name, result, {
      wallMs: Math.round(performance.now() - startMs),
      peakRssMb: peakRssMb(),
      invariantChecks: options.check,
    })
    emit(output, report, faultLine(report))
    if (result.checks.some((c) => !c.ok)) failed = true
  }
  return failed ? 1 : 0
}
