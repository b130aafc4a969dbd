/**
 * Long fuzz run: the properties of test/fuzz/properties.ts (wire decoder, ticket
 * parser, transport framing) with fast-check, at least 100,000 cases in total.
 *
 *   npm run fuzz [-- --runs 120000] [--seed N] [--max-seconds 300]
 *
 * Runs are split over the properties by weight. Each property gets its share of the
 * time budget (fast-check stops it there and the JSON says `interrupted`). Prints one
 * JSON object on stdout: seed, per-property runs / ms / failure, totals. Exit 1 if a
 * property failed (the counterexample and the seed to replay it are printed on
 * stderr) or if fewer than --min-runs cases ran.
 */
import fc from 'fast-check'
import { Command } from 'commander'
import { FUZZ_PROPERTIES, runsPerProperty } from '../test/fuzz/properties.js'
import { positiveInt } from '../src/cli/int-args.js'

const options = new Command('fuzz')
  .option('--runs <n>', 'total cases over all properties', positiveInt, 120_000)
  .option('--min-runs <n>', 'fail if fewer cases ran (time budget hit)', positiveInt, 100_000)
  .option('--seed <n>', 'fast-check seed (default: random, printed)', positiveInt)
  .option('--max-seconds <s>', 'time budget for the whole run', positiveInt, 300)
  .parse()
  .opts<{ runs: number; minRuns: number; seed?: number; maxSeconds: number }>()

const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31)
const runs = runsPerProperty(options.runs)
const weights = FUZZ_PROPERTIES.reduce((n, p) => n + p.weight, 0)
const started = performance.now()
const results: { name: string; runs: number; ms: number; interrupted: boolean; failure?: string }[] = []
let failed = false
for (const [i, p] of FUZZ_PROPERTIES.entries()) {
  const budgetMs = Math.max(1_000, Math.floor((options.maxSeconds * 1000 * p.weight) / weights))
  const t0 = performance.now()
  const details = fc.check(p.property, { numRuns: runs[i] as number, seed, interruptAfterTimeLimit: budgetMs })
  const ms = Math.round(performance.now() - t0)
  const result: (typeof results)[number] = { name: p.name, runs: details.numRuns, ms, interrupted: details.interrupted }
  if (details.failed) {
    failed = true
    result.failure = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)
    process.stderr.write(
      `FAILED ${p.name}\n  counterexample: ${fc.stringify(details.counterexample)}\n  ${result.failure}\n  replay: npm run fuzz -- --seed ${seed} (path ${details.counterexamplePath ?? '?'})\n`,
    )
  }
  process.stderr.write(`${details.failed ? 'FAIL' : 'ok  '} ${String(details.numRuns).padStart(7)} cases ${String(ms).padStart(6)} ms  ${p.name}\n`)
  results.push(result)
}
const totalRuns = results.reduce((n, r) => n + r.runs, 0)
const summary = {
  fuzz: 'hearsay-decoders',
  seed,
  totalRuns,
  totalMs: Math.round(performance.now() - started),
  failed: results.filter((r) => r.failure !== undefined).length,
  interrupted: results.filter((r) => r.interrupted).length,
  properties: results,
}
process.stdout.write(`${JSON.stringify(summary)}\n`)
if (totalRuns < options.minRuns) process.stderr.write(`only ${totalRuns} cases ran, fewer than --min-runs ${options.minRuns}\n`)
process.exitCode = failed || totalRuns < options.minRuns ? 1 : 0
