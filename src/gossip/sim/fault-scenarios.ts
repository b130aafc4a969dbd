/**
 * The fault scenarios S5–S10 by name, for `npm run bench:sim` and `hearsay sim`: one
 * entry point that runs a scenario and one flat report (a JSON-safe object and a
 * human line). S4 is a sweep (crash-sweep.ts).
 */
import type { Check, ScenarioOptions } from './scenarios.js'
import { runChurn } from './churn.js'
import { runIHaveFlood } from './ihave-flood.js'
import { runJoinStorm } from './join-storm.js'
import { runPartitionHeal } from './partition.js'
import { runStaleRaces } from './races.js'
import { runTreeRepair } from './tree-repair.js'

export interface FaultRunOptions {
  nodes: number
  seed: number
  checkInvariants: boolean
  /** S5: share of nodes that crash, in percent. */
  failPercent?: number
  /** Rounds (S6, S7, S9, S10: see each scenario). */
  rounds?: number
}

/** What every fault scenario result carries; the rest is scenario-specific figures. */
export interface FaultResult {
  scenario: string
  nodes: number
  seed: number
  virtualMs: number
  steps: number
  checks: Check[]
  replay: string
}

function base(o: FaultRunOptions): ScenarioOptions {
  return { nodes: o.nodes, seed: o.seed, checkInvariants: o.checkInvariants }
}

function withRounds(o: FaultRunOptions): ScenarioOptions & { rounds?: number } {
  return o.rounds === undefined ? base(o) : { ...base(o), rounds: o.rounds }
}

export const FAULT_SCENARIOS = {
  'tree-repair': (o: FaultRunOptions): FaultResult =>
    runTreeRepair(o.failPercent === undefined ? base(o) : { ...base(o), failPercent: o.failPercent }),
  'join-storm': (o: FaultRunOptions): FaultResult => runJoinStorm(withRounds(o)),
  races: (o: FaultRunOptions): FaultResult => runStaleRaces(withRounds(o)),
  'ihave-flood': (o: FaultRunOptions): FaultResult => runIHaveFlood(base(o)),
  churn: (o: FaultRunOptions): FaultResult => runChurn(withRounds(o)),
  partition: (o: FaultRunOptions): FaultResult => runPartitionHeal(withRounds(o)),
} as const

export type FaultScenarioName = keyof typeof FAULT_SCENARIOS

/** Method table numbers (S5–S10) to names. */
export const FAULT_ALIASES: Readonly<Record<string, FaultScenarioName>> = {
  s5: 'tree-repair',
  s6: 'join-storm',
  s7: 'races',
  s8: 'ihave-flood',
  s9: 'churn',
  s10: 'partition',
}

export interface FaultReport {
  bench: 'sim-faults-v1'
  name: FaultScenarioName
  invariantChecks: boolean
  wallMs: number
  peakRssMb: number
  result: FaultResult
}

export function faultReport(
  name: FaultScenarioName,
  result: FaultResult,
  measured: { wallMs: number; peakRssMb: number; invariantChecks: boolean },
): FaultReport {
  return { bench: 'sim-faults-v1', name, ...measured, result }
}

export function faultLine(report: FaultReport): string {
  const { result } = report
  const bad = result.checks.filter((c) => !c.ok)
  const checks = result.checks.map((c) => `${c.ok ? 'ok' : 'FAILED'} ${c.name} (${c.detail})`).join('; ')
  const verdict = bad.length === 0 ? 'all checks pass' : `FAILED\n  replay: ${result.replay}`
  return `${result.scenario} ${report.name} nodes=${result.nodes} seed=${result.seed}: ${checks}; wall ${report.wallMs} ms, rss ${report.peakRssMb} MB - ${verdict}`
}
