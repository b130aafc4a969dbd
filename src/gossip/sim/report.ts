/**
 * Turns a scenario result into the flat report printed by `npm run bench:sim` and
 * `hearsay sim`, so both show the same figures under the same names.
 */
import type { ScenarioResult } from './scenarios.js'

export interface ScenarioReport {
  bench: 'sim-v1'
  scenario: string
  nodes: number
  seed: number
  invariantChecks: boolean
  /** Worst single-broadcast reliability. */
  reliability: number | null
  rmr: number | null
  /** Last delivery hop, averaged over the broadcasts. */
  ldh: number | null
  ldhMax: number | null
  floodLdh: number | null
  controlPerBroadcast: number | null
  latencyMs: { p50: number; p90: number; p99: number; max: number } | null
  duplicateDeliveries: number | null
  overlay: {
    components: number
    fullActiveViewShare: number
    symmetricLinkShare: number
    meanPassiveSize: number
    activeInDegree: number[]
  }
  messagesPerBroadcast: ScenarioResult['messagesPerBroadcast'] | null
  bytesPerNodePerBroadcast: number | null
  virtualMs: number
  steps: number
  wallMs: number
  peakRssMb: number
  checks: ScenarioResult['checks']
  replay: string
}

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
