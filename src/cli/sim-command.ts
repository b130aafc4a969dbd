/**
 * The `sim` command, shared by `hearsay sim` (human output) and `npm run bench:sim`
 * (JSON output): runs a simulation scenario of the protocol core under virtual time.
 */
import { Command, InvalidArgumentError } from 'commander'
import { SCENARIOS, reportLine, scenarioReport, type ScenarioName } from '../gossip/sim/index.js'

export interface SimOptions {
  scenario: string
  nodes: number
  seed?: number
  seeds?: number[]
  broadcasts?: number
  check: boolean
}

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

/** The options of a simulation run, on a fresh command named `name`. */
export function simCommand(name: string): Command {
  return new Command(name)
    .description('run a seeded simulation scenario of the protocol (S1 bootstrap, S2 one sender, S3 random senders)')
    .option('--scenario <name>', 's1 | s2 | s3 | s1s3', 's3')
    .option('--nodes <n>', 'number of nodes', positiveInt, 1_000)
    .option('--seed <s>', 'seed', positiveInt)
    .option('--seeds <list>', 'comma-separated seeds, one run each', seedList)
    .option('--broadcasts <n>', 'broadcasts in the measured phase (s2: 50, s3: 100)', positiveInt)
    .option('--check', 'check local invariants after every step (slower)', false)
}

/** Runs the scenario for every seed; returns the exit code (0 all checks pass, 1 a check failed, 2 usage). */
export function runScenarioCommand(options: SimOptions, output: 'json' | 'text'): number {
  const name = (options.scenario === 's1s3' ? 's3' : options.scenario) as ScenarioName
  if (!Object.hasOwn(SCENARIOS, name)) {
    console.error(`unknown scenario "${options.scenario}": use s1, s2, s3 or s1s3`)
    return 2
  }
  let failed = false
  for (const seed of options.seeds ?? [options.seed ?? 1]) {
    const startMs = performance.now()
    const result = SCENARIOS[name]({
      nodes: options.nodes,
      seed,
      checkInvariants: options.check,
      ...(options.broadcasts === undefined ? {} : { broadcasts: options.broadcasts }),
    })
    const report = scenarioReport(options.scenario, result, {
      wallMs: Math.round(performance.now() - startMs),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      invariantChecks: options.check,
    })
    if (output === 'json') {
      console.log(JSON.stringify(report))
      console.error(reportLine(report))
    } else {
      console.log(reportLine(report))
    }
    if (report.checks.some((c) => !c.ok)) failed = true
  }
  return failed ? 1 : 0
}
