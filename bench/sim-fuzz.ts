/**
 * Fault-mix fuzzing of the protocol in simulation (VOPR style; bench/sim/fuzz.ts).
 *
 *   npm run sim:fuzz -- --seeds 1000            seeds 1 … 1000
 *   npm run sim:fuzz -- --seeds 200 --first 5000
 *   npm run sim:fuzz -- --seeds 100 --random    100 random seeds (printed)
 *   npm run sim:fuzz -- --seed 123              replay one seed (prints its fault mix)
 *
 * Prints one JSON object on stdout (parameters, passed/failed counts, every failing seed
 * with the command that replays it, convergence rounds), progress and failures on
 * stderr. Invariant checks run after every step unless --no-check. Stops starting new
 * seeds after --max-wall-s (default 3,600 s) and says so. Exits 1 if a seed failed.
 */
import { randomInt } from 'node:crypto'
import { Command } from 'commander'
import { runFaultMix, type FuzzResult } from './sim/index.js'
import { positiveInt } from '../src/cli/int-args.js'

const options = new Command('sim:fuzz')
  .option('--seeds <n>', 'how many seeds to run', positiveInt, 100)
  .option('--first <s>', 'first seed (seeds first … first + n - 1)', positiveInt, 1)
  .option('--random', 'pick the seeds at random instead', false)
  .option('--seed <s>', 'run this one seed (replay)', positiveInt)
  .option('--nodes <n>', 'override the swarm size the seed picks', positiveInt)
  .option('--no-check', 'skip the invariant checks after every step')
  .option('--max-wall-s <s>', 'start no new seed after this many seconds', positiveInt, 3_600)
  .parse()
  .opts<{ seeds: number; first: number; random: boolean; seed?: number; nodes?: number; check: boolean; maxWallS: number }>()

const seeds =
  options.seed !== undefined
    ? [options.seed]
    : Array.from({ length: options.seeds }, (_, i) => (options.random ? randomInt(1, 2 ** 31) : options.first + i))

const startMs = performance.now()
const failures: { seed: number; detail: string; replay: string }[] = []
const roundsHistogram: Record<string, number> = {}
let ran = 0
let stranded = 0
let truncated = false
for (const seed of seeds) {
  if (performance.now() - startMs > options.maxWallS * 1_000) {
    truncated = true
    break
  }
  let result: FuzzResult | undefined
  let detail = ''
  try {
    result = runFaultMix({ seed, checkInvariants: options.check, ...(options.nodes === undefined ? {} : { nodes: options.nodes }) })
    const bad = result.checks.filter((c) => !c.ok)
    if (bad.length > 0) detail = bad.map((c) => `${c.name}: ${c.detail}`).join('; ')
  } catch (err) {
    detail = err instanceof Error ? err.message : String(err)
  }
  ran++
  if (result !== undefined) {
    stranded += result.stranded
    const key = String(result.roundsToConverge ?? 'never')
    roundsHistogram[key] = (roundsHistogram[key] ?? 0) + 1
  }
  const replay = `npm run sim:fuzz -- --seed ${seed}${options.nodes === undefined ? '' : ` --nodes ${options.nodes}`}`
  if (detail !== '') {
    failures.push({ seed, detail, replay })
    console.error(`seed ${seed} FAILED: ${detail}\n  replay: ${replay}`)
  } else if (seeds.length === 1 && result !== undefined) {
    console.error(`seed ${seed}: converged in ${result.roundsToConverge} rounds; mix ${JSON.stringify(result.mix)}; faults ${JSON.stringify(result.faults)}`)
  }
  if (ran % 100 === 0) console.error(`${ran} seeds, ${failures.length} failed, ${Math.round((performance.now() - startMs) / 1_000)} s`)
}

console.log(
  JSON.stringify({
    bench: 'sim-fuzz-v1',
    seeds: { requested: seeds.length, ran, first: seeds[0], last: seeds[ran - 1], random: options.random },
    invariantChecks: options.check,
    passed: ran - failures.length,
    failed: failures.length,
    failures,
    roundsToConverge: roundsHistogram,
    strandedNodes: stranded,
    truncated,
    wallMs: Math.round(performance.now() - startMs),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
)
console.error(`${ran} seeds: ${ran - failures.length} passed, ${failures.length} failed${truncated ? ' (stopped at the wall-time bound)' : ''}`)
process.exit(failures.length > 0 ? 1 : 0)
