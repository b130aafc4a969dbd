/**
 * The S4 sweep behind `npm run bench:sim -- --scenario crash`: for each failure rate,
 * one mass-crash run per seed, summarised as the reliability of the first broadcast
 * after the crash and the membership rounds until a broadcast reaches every survivor,
 * next to the no-repair floor.
 */
import { floorFor, runMassCrash, type CrashResult } from './crash.js'
import type { Check } from './scenarios.js'

/** Failure rates the sweep runs when none are given, in percent. */
export const DEFAULT_CRASH_RATES: readonly number[] = [10, 20, 30, 40, 50, 60, 70, 80, 90, 95]

/** Options of the S4 crash sweep. */
export interface CrashSweepOptions {
  /** Swarm size of every run. */
  nodes: number
  /** Seeds to run at each failure rate, one run per seed. */
  seeds: readonly number[]
  /** Failure rates in percent. @default DEFAULT_CRASH_RATES */
  rates?: readonly number[]
  /** Check local invariants after every step. @default false */
  checkInvariants?: boolean
  /** Stop starting new runs after this much wall time (the sweep then says so). */
  maxWallMs?: number
  /** Called after each run (progress output). */
  onRun?: (result: CrashResult, wallMs: number) => void
}

/** The figures of one run of the sweep (see `CrashResult`). */
export interface CrashSweepRun {
  /** Seed of the run. */
  seed: number
  /** Reliability of the first broadcast after the crash. */
  firstBroadcast: number
  /** Share of survivors reachable over the active views as they were at the crash. */
  reachWithoutRepair: number
  /** Reliability of broadcast k, sent k rounds after the crash. */
  perRound: number[]
  /** First k whose broadcast reached every survivor; null if none did. */
  roundsTo100: number | null
  /** GRAFT messages sent during the first round. */
  graftsFirstRound: number
  /** Components of the survivors' overlay at the end of the run. */
  components: number
  /** Wall-clock time of the run in ms. */
  wallMs: number
}

/** The runs at one failure rate, summarised over the seeds. */
export interface CrashSweepRate {
  /** Share of nodes that crashed, in percent. */
  failPercent: number
  /** The method's no-repair floor (computed where its table has no entry). */
  floor: number
  /** Nodes alive after the crash (the same for every seed). */
  survivors: number
  /** Median and worst over the seeds. */
  firstBroadcast: {
    /** Median reliability of the first broadcast after the crash. */
    median: number
    /** Lowest reliability of the first broadcast after the crash. */
    worst: number
  }
  /** Share of survivors reachable without repair (over the views at the crash), over the seeds. */
  reachWithoutRepair: {
    /** Median share. */
    median: number
    /** Lowest share. */
    worst: number
  }
  /** null = some run never reached 100 % within its rounds. */
  roundsTo100: {
    /** Median rounds until a broadcast reached every survivor. */
    median: number | null
    /** Most rounds until a broadcast reached every survivor. */
    worst: number | null
  }
  /** Worst reliability among the broadcasts sent within 3 rounds, best per run, worst over runs. */
  bestWithin3Rounds: number
  /** Every run at this rate, in seed order. */
  runs: CrashSweepRun[]
  /** The runs' checks, each name prefixed with the rate and seed. */
  checks: Check[]
}

/** The whole S4 sweep. */
export interface CrashSweepResult {
  /** Swarm size of every run. */
  nodes: number
  /** The seeds run at each rate. */
  seeds: number[]
  /** One summary per failure rate, in the order run. */
  rates: CrashSweepRate[]
  /** True if the wall-time bound stopped the sweep early. */
  truncated: boolean
  /** Every run's checks. */
  checks: Check[]
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)] as number
}

/** Runs the S4 mass crash at each rate for each seed and summarises the runs per rate. */
export function runCrashSweep(options: CrashSweepOptions): CrashSweepResult {
  const startMs = performance.now()
  const rates: CrashSweepRate[] = []
  let truncated = false
  for (const failPercent of options.rates ?? DEFAULT_CRASH_RATES) {
    const runs: CrashSweepRun[] = []
    const checks: Check[] = []
    let survivors = 0
    for (const seed of options.seeds) {
      if (options.maxWallMs !== undefined && performance.now() - startMs > options.maxWallMs) {
        truncated = true
        break
      }
      const runStart = performance.now()
      const result = runMassCrash({ nodes: options.nodes, seed, failPercent, checkInvariants: options.checkInvariants ?? false })
      const wallMs = Math.round(performance.now() - runStart)
      options.onRun?.(result, wallMs)
      survivors = result.survivors
      runs.push({
        seed,
        firstBroadcast: result.firstBroadcast,
        reachWithoutRepair: result.reachWithoutRepair,
        perRound: result.perRound,
        roundsTo100: result.roundsTo100,
        graftsFirstRound: result.graftsPerRound[0] ?? 0,
        components: result.overlay.components,
        wallMs,
      })
      for (const c of result.checks) checks.push({ ...c, name: `${failPercent} % seed ${seed}: ${c.name}` })
    }
    if (runs.length === 0) break
    const rounds = runs.map((r) => r.roundsTo100)
    const allReached = rounds.every((r) => r !== null)
    rates.push({
      failPercent,
      floor: floorFor(failPercent),
      survivors,
      firstBroadcast: { median: median(runs.map((r) => r.firstBroadcast)), worst: Math.min(...runs.map((r) => r.firstBroadcast)) },
      reachWithoutRepair: {
        median: median(runs.map((r) => r.reachWithoutRepair)),
        worst: Math.min(...runs.map((r) => r.reachWithoutRepair)),
      },
      roundsTo100: {
        median: allReached ? median(rounds as number[]) : null,
        worst: allReached ? Math.max(...(rounds as number[])) : null,
      },
      bestWithin3Rounds: Math.min(...runs.map((r) => Math.max(...r.perRound.slice(0, 4)))),
      runs,
      checks,
    })
    if (truncated) break
  }
  return {
    nodes: options.nodes,
    seeds: [...options.seeds],
    rates,
    truncated,
    checks: rates.flatMap((r) => r.checks),
  }
}

/** The sweep as a text table (stderr / terminal). */
export function crashSweepTable(result: CrashSweepResult): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`
  const lines = [
    `crash sweep, ${result.nodes} nodes, seeds ${result.seeds.join(',')} (median / worst over seeds; 1 round = one 5 s repair period)`,
    'failed  no-repair floor  reach w/o repair  first broadcast    rounds to 100 %',
  ]
  for (const r of result.rates) {
    const rounds = r.roundsTo100.median === null ? `never (best within 3: ${pct(r.bestWithin3Rounds)})` : `${r.roundsTo100.median} / ${r.roundsTo100.worst}`
    lines.push(
      `${String(r.failPercent).padStart(4)} %  ${pct(r.floor).padStart(15)}  ${pct(r.reachWithoutRepair.median).padStart(16)}  ${`${pct(r.firstBroadcast.median)} / ${pct(r.firstBroadcast.worst)}`.padStart(17)}  ${rounds}`,
    )
  }
  if (result.truncated) lines.push('(stopped early: wall-time bound reached)')
  return lines.join('\n')
}
