/**
 * Turns a scenario result into the flat report printed by `npm run bench:sim`:
 * every scenario shows the same figures under the same names.
 */
import type { ScenarioResult } from './scenarios.js'

/** The flat, JSON-safe report of one S1–S3 run; delivery figures are null for S1. */
export interface ScenarioReport {
  /** Report format tag. */
  bench: 'sim-v1'
  /** Scenario name, e.g. `s2`. */
  scenario: string
  /** Swarm size. */
  nodes: number
  /** Seed of the run. */
  seed: number
  /** Whether local invariants were checked after every step. */
  invariantChecks: boolean
  /** Worst single-broadcast reliability. */
  reliability: number | null
  /** Aggregate RMR over the broadcasts, 4 decimals. */
  rmr: number | null
  /** Last delivery hop, averaged over the broadcasts. */
  ldh: number | null
  /** Largest last-delivery hop over the broadcasts. */
  ldhMax: number | null
  /** LDH of a flood over the same overlay (`ScenarioResult.floodLdh`). */
  floodLdh: number | null
  /** IHAVE + GRAFT + PRUNE messages per broadcast, 1 decimal. */
  controlPerBroadcast: number | null
  /** Delivery latency in virtual ms over every delivery. */
  latencyMs: {
    /** Median. */
    p50: number
    /** 90th percentile. */
    p90: number
    /** 99th percentile. */
    p99: number
    /** Slowest delivery. */
    max: number
  } | null
  /** Repeated deliveries to the same node (should be 0). */
  duplicateDeliveries: number | null
  /** Overlay shape (see `OverlaySummary`). */
  overlay: {
    /** Connected components of the active-view graph. */
    components: number
    /** Share of live nodes with a full active view, 4 decimals. */
    fullActiveViewShare: number
    /** Share of active links whose reverse link exists, 4 decimals. */
    symmetricLinkShare: number
    /** Mean passive view size, 1 decimal. */
    meanPassiveSize: number
    /** activeInDegree[k] = live nodes that appear in exactly k live active views. */
    activeInDegree: number[]
  }
  /** Messages of each type sent per broadcast during the broadcast phase. */
  messagesPerBroadcast: ScenarioResult['messagesPerBroadcast'] | null
  /** Approximate wire bytes sent per node per broadcast, 1 decimal. */
  bytesPerNodePerBroadcast: number | null
  /** Virtual time at the end of the run, in ms. */
  virtualMs: number
  /** Protocol events handled by all nodes. */
  steps: number
  /** Wall-clock time of the run in ms. */
  wallMs: number
  /** Peak resident set size of the process in MB. */
  peakRssMb: number
  /** The scenario's checks. */
  checks: ScenarioResult['checks']
  /** The command that replays this run. */
  replay: string
}

/** Builds the flat report of `result`, with the wall time, peak RSS and invariant setting measured by the caller. */
export function scenarioReport(
  scenario: string,
  result: ScenarioResult,
  measured: { wallMs: number; peakRssMb: number; invariantChecks: boolean },
): ScenarioReport {
  const delivery = result.delivery
  return {
    bench: 'sim-v1',
    scenario,
    nodes: result.nodes,
    seed: result.seed,
    invariantChecks: measured.invariantChecks,
    reliability: delivery?.minReliability ?? null,
    rmr: delivery === undefined ? null : round(delivery.rmr, 4),
    ldh: delivery === undefined ? null : round(delivery.meanLdh, 2),
    ldhMax: delivery?.ldh ?? null,
    floodLdh: result.floodLdh ?? null,
    controlPerBroadcast: result.controlPerBroadcast === undefined ? null : round(result.controlPerBroadcast, 1),
    latencyMs: delivery?.latencyMs ?? null,
    duplicateDeliveries: delivery?.duplicateDeliveries ?? null,
    overlay: {
      components: result.overlay.components,
      fullActiveViewShare: round(result.overlay.fullActiveViewShare, 4),
      symmetricLinkShare: round(result.overlay.symmetricLinkShare, 4),
      meanPassiveSize: round(result.overlay.meanPassiveSize, 1),
      activeInDegree: result.overlay.activeInDegree,
    },
    messagesPerBroadcast: result.messagesPerBroadcast ?? null,
    bytesPerNodePerBroadcast:
      result.bytesPerBroadcast === undefined ? null : round(result.bytesPerBroadcast / result.nodes, 1),
    virtualMs: result.virtualMs,
    steps: result.steps,
    wallMs: measured.wallMs,
    peakRssMb: measured.peakRssMb,
    checks: result.checks,
    replay: result.replay,
  }
}

/** One human-readable line for stderr / the terminal. */
export function reportLine(report: ScenarioReport): string {
  const bad = report.checks.filter((c) => !c.ok)
  const figures =
    report.reliability === null
      ? `components ${report.overlay.components}, full views ${(report.overlay.fullActiveViewShare * 100).toFixed(2)} %, symmetric ${(report.overlay.symmetricLinkShare * 100).toFixed(2)} %`
      : `reliability ${report.reliability}, RMR ${report.rmr}, LDH ${report.ldh} (max ${report.ldhMax}), latency p50 ${report.latencyMs?.p50} ms`
  const verdict =
    bad.length === 0
      ? 'all checks pass'
      : `FAILED: ${bad.map((c) => `${c.name} (${c.detail})`).join('; ')}\n  replay: ${report.replay}`
  return `${report.scenario} nodes=${report.nodes} seed=${report.seed}: ${figures}; wall ${report.wallMs} ms, rss ${report.peakRssMb} MB - ${verdict}`
}

function round(value: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
