/**
 * Protocol quality in simulation (docs/method.md section 2).
 *
 *   npm run bench:sim -- --scenario s3 --nodes 10000 --seed 1
 *   npm run bench:sim -- --scenario s1s3 --nodes 1000 --seeds 1,2,3,4,5
 *   npm run bench:sim -- --scenario s1s3 --nodes 100000 --join-spacing-ms 1
 *   npm run bench:sim -- --scenario crash --nodes 10000 --seeds 1,2,3      (S4 sweep, 10 … 95 %)
 *   npm run bench:sim -- --scenario crash --nodes 1000 --fail 70 --seed 2  (one rate)
 *   npm run bench:sim -- --scenario partition --nodes 1000 --seeds 1,2,3   (also tree-repair,
 *     join-storm, races, ihave-flood, churn, or s5 … s10)
 *
 * Prints one JSON object per run on stdout (the crash sweep is one run) and human lines
 * on stderr. Scenarios: s1 (bootstrap), s2 (single sender), s3 (random senders after an
 * S1 bootstrap, so it also carries S1's checks; `s1s3` is its alias), and the fault
 * scenarios S4–S10. Exits 1 if a check fails. Each run is bounded by the simulation
 * itself (fixed virtual durations and broadcast counts); the crash sweep also stops
 * starting new runs after --max-wall-s.
 */
import { runScenarioCommand, simCommand, type SimOptions } from './sim/command.js'

const options = simCommand('bench:sim').parse().opts<SimOptions>()
process.exit(runScenarioCommand(options, 'json'))
