/**
 * Protocol quality in simulation (shared/bench/method.md section 2).
 *
 *   npm run bench:sim -- --scenario s3 --nodes 10000 --seed 1
 *   npm run bench:sim -- --scenario s1s3 --nodes 1000 --seeds 1,2,3,4,5
 *
 * Prints one JSON object per run on stdout and a human line on stderr. Scenarios: s1
 * (bootstrap), s2 (single sender), s3 (random senders after an S1 bootstrap, so it also
 * carries S1's checks; `s1s3` is its alias). Exits 1 if a check fails. Each run is
 * bounded by the simulation itself (fixed broadcast count, 5 s virtual cap each).
 */
import { runScenarioCommand, simCommand, type SimOptions } from '../src/cli/sim-command.js'

const options = simCommand('bench:sim').parse().opts<SimOptions>()
process.exit(runScenarioCommand(options, 'json'))
