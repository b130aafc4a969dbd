/**
 * The fault scenarios S5–S11 by name, for `npm run bench:sim`: one
 * entry point that runs a scenario and one flat report (a JSON-safe object and a
 * human line). S4 is a sweep (crash-sweep.ts).
 */
import type { Check, ScenarioOptions } from './scenarios.js'
import { runChurn } from './churn.js'
import { runIHaveFlood } from './ihave-flood.js'
import { runJoinStorm } from './join-storm.js'
import { runOverload } from './overload.js'
import { runPartitionHeal } from './partition.js'
import { runStaleRaces } from './races.js'
import { runTreeRepair } from './tree-repair.js'

/** Options of one fault scenario run; each scenario uses the ones it knows. */
export interface FaultRunOptions {
  /** Swarm size. */
  nodes: number
  /** Seed of the run. */
  seed: number
  /** Check local invariants after every step. */
  checkInvariants: boolean
  /** S5: share of nodes that crash, in percent. */
  failPercent?: number
  /** Rounds (S6, S7, S9, S10: see each scenario). */
  rounds?: number
}

/** What every fault scenario result carries; the rest is scenario-specific figures. */
export interface FaultResult {
  /** Scenario name. */
  scenario: string
  /** Swarm size. */
  nodes: number
  /** Seed of the run. */
  seed: number
  /** Virtual time at the end of the run, in ms. */
  virtualMs: number
  /** Protocol events handled by all nodes. */
  steps: number
  /** The scenario's criteria and whether each held. */
  checks: Check[]
  /** The command that replays this run. */
  replay: string
}

function base(o: FaultRunOptions): ScenarioOptions {
  return { nodes: o.nodes, seed: o.seed, checkInvariants: o.checkInvariants }
}

function withRounds(o: FaultRunOptions): ScenarioOptions & { rounds?: number } {
  return o.rounds === undefined ? base(o) : { ...base(o), rounds: o.rounds }
}

/** Runners of the fault scenarios S5–S10 by name; see `FAULT_ALIASES` for the numbers. */
export const FAULT_SCENARIOS = {
  /** S5: Plumtree tree repair after a mass crash (`failPercent`, default 50 %). */
  'tree-repair': (o: FaultRunOptions): FaultResult =>
    runTreeRepair(o.failPercent === undefined ? base(o) : { ...base(o), failPercent: o.failPercent }),
  /** S6: join storm, every node joining through one contact within one membership round. */
  'join-storm': (o: FaultRunOptions): FaultResult => runJoinStorm(withRounds(o)),
  /** S7: stale DISCONNECT / NEIGHBOR_REPLY races under reordering. */
  races: (o: FaultRunOptions): FaultResult => runStaleRaces(withRounds(o)),
  /** S8: IHAVE flood of random ids against the caps. */
  'ihave-flood': (o: FaultRunOptions): FaultResult => runIHaveFlood(base(o)),
  /** S9: churn, 1 % of the nodes leaving and as many joining per round. */
  churn: (o: FaultRunOptions): FaultResult => runChurn(withRounds(o)),
  /** S10: two halves apart for 60 s, then healed. */
  partition: (o: FaultRunOptions): FaultResult => runPartitionHeal(withRounds(o)),
  /** S11: overload, every node with a CPU model and all joining through one contact. */
  overload: (o: FaultRunOptions): FaultResult => runOverload(withRounds(o)),
} as const

/** Name of a fault scenario in `FAULT_SCENARIOS`. */
export type FaultScenarioName = keyof typeof FAULT_SCENARIOS

/** Method table numbers (S5–S10) to names. */
export const FAULT_ALIASES: Readonly<Record<string, FaultScenarioName>> = {
  s5: 'tree-repair',
  s6: 'join-storm',
  s7: 'races',
  s8: 'ihave-flood',
  s9: 'churn',
  s10: 'partition',
  s11: 'overload',
}

/** The JSON-safe report of one fault scenario run. */
export interface FaultReport {
  /** Report format tag. */
  bench: 'sim-faults-v1'
  /** The scenario that ran. */
  name: FaultScenarioName
  /** Whether local invariants were checked after every step. */
  invariantChecks: boolean
  /** Wall-clock time of the run in ms. */
  wallMs: number
  /** Peak resident set size of the process in MB. */
  peakRssMb: number
  /** The scenario's result, with its own figures. */
  result: FaultResult
}

/** Wraps `result` with the wall time, peak RSS and invariant setting measured by the caller. */
export function faultReport(
  name: FaultScenarioName,
  result: FaultResult,
  measured: { wallMs: number; peakRssMb: number; invariantChecks: boolean },
): FaultReport {
  return { bench: 'sim-faults-v1', name, ...measured, result }
}

/** One human-readable line for stderr / the terminal: every check, its verdict and the replay command on failure. */
export function faultLine(report: FaultReport): string {
  const { result } = report
  const bad = result.checks.filter((c) => !c.ok)
  const checks = result.checks.map((c) => `${c.ok ? 'ok' : 'FAILED'} ${c.name} (${c.detail})`).join('; ')
  const verdict = bad.length === 0 ? 'all checks pass' : `FAILED\n  replay: ${result.replay}`
  return `${result.scenario} ${report.name} nodes=${result.nodes} seed=${result.seed}: ${checks}; wall ${report.wallMs} ms, rss ${report.peakRssMb} MB - ${verdict}`
}
