/**
 * Crash test with OS processes (issue 8), the longer run:
 *
 *   npm run crash-test                                   20 processes, kill 10, 1 round, seed 1
 *   npm run crash-test -- --nodes 30 --kill 15 --rounds 3 --seed 7
 *
 * Starts one node process per node on 127.0.0.1 (no mDNS), kill -9s half of them at
 * random moments while the survivors broadcast, waits for repair, checks that every
 * survivor delivers 100 % of a post-repair batch, restarts the killed processes with
 * their key files and checks they rejoin with the same ids; no process may deliver a
 * message twice. Prints one JSON summary on stdout, progress on stderr; exits 1 if a
 * check failed. See test/crash/harness.ts.
 */
import '../src/polyfill.js'
import { Command, InvalidArgumentError } from 'commander'
import { runCrashTest } from '../test/crash/harness.js'

const int = (min: number) => (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`an integer >= ${min}`)
  return n
}

const flags = new Command('crash-test')
  .option('--nodes <n>', 'node processes', int(3), 20)
  .option('--kill <n>', 'processes killed per round (default: half)', int(1))
  .option('--rounds <n>', 'kill / repair / restart rounds', int(1), 1)
  .option('--seed <n>', 'seed of the random choices', int(0), 1)
  .option('--churn-ms <n>', 'window in which the kills happen', int(0), 3_000)
  .option('--messages <n>', 'post-repair broadcasts per round', int(1), 100)
  .option('--start-batch <n>', 'processes started at once', int(1), 4)
  .parse()
  .opts<{ nodes: number; kill?: number; rounds: number; seed: number; churnMs: number; messages: number; startBatch: number }>()

const summary = await runCrashTest({
  nodes: flags.nodes,
  ...(flags.kill === undefined ? {} : { kill: flags.kill }),
  rounds: flags.rounds,
  seed: flags.seed,
  churnMs: flags.churnMs,
  postRepairMessages: flags.messages,
  startBatch: flags.startBatch,
  log: (line) => process.stderr.write(`${line}\n`),
})
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
process.exit(summary.ok ? 0 : 1)
