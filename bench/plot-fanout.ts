/**
 * Plots the fan-out latency distribution (fan-out bench v1: time until the LAST
 * receiver has a message) per swarm size as an SVG with Vega-Lite: one cumulative
 * distribution per N and phase (sequential, burst), from the `fanoutSamplesMs` of
 * reports that `npm run bench:fanout` printed.
 *
 *   npm run bench:fanout -- --nodes 50 > docs/fanout-n50.json     (likewise 10, 100, 200)
 *   npx tsx bench/plot-fanout.ts docs/fanout-latency.svg docs/fanout-n10.json docs/fanout-n50.json ...
 */
import { readFileSync, writeFileSync } from 'node:fs'
import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'

interface Phase {
  messages: number
  deliveryRatio: number
  fanoutLatencyMs: { p50: number; p99: number }
  fanoutSamplesMs?: number[]
}
interface Report {
  config: { nodes: number; rate: number; processes: boolean; ihaveDispatchMs?: number }
  phases: { sequential?: Phase; burst?: Phase }
}

const [output, ...inputs] = process.argv.slice(2)
if (output === undefined || inputs.length === 0) {
  console.error('usage: tsx bench/plot-fanout.ts <out.svg> <report.json>...')
  process.exit(2)
}

const points: { n: string; setting: string; phase: string; latencyMs: number; share: number }[] = []
const order: string[] = []
const settings: string[] = []
for (const file of inputs) {
  const report = JSON.parse(readFileSync(file, 'utf8')) as Report
  const n = `N = ${report.config.nodes}${report.config.processes ? ' (processes)' : ''}`
  if (!order.includes(n)) order.push(n)
  const setting = `IHAVE batch ${report.config.ihaveDispatchMs ?? 5} ms${report.config.ihaveDispatchMs === undefined ? ' (default)' : ''}`
  if (!settings.includes(setting)) settings.push(setting)
  for (const [name, phase] of Object.entries(report.phases) as [string, Phase | undefined][]) {
    const samples = phase?.fanoutSamplesMs
    if (phase === undefined || samples === undefined || samples.length === 0) continue
    const label = name === 'burst' ? `burst ${report.config.rate}/s` : 'sequential'
    // Messages that never reached everyone sit beyond the axis: the curve ends below 1.
    samples.forEach((latencyMs, i) => points.push({ n, setting, phase: label, latencyMs: Math.max(0.1, latencyMs), share: (i + 1) / phase.messages }))
  }
}

const spec: TopLevelSpec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: {
    text: 'hearsay fan-out latency (until the last of N-1 receivers has the message)',
    anchor: 'start',
    subtitle: ['fan-out bench v1: all nodes in one Node.js process, Noise over loopback TCP, 256-byte signed messages;', 'cumulative share of messages; a curve ending below 1 means some messages did not reach everyone'],
  },
  data: { values: points },
  facet: { column: { field: 'phase', type: 'nominal', title: null, sort: ['sequential'] } },
  spec: {
    width: 320,
    height: 260,
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'latencyMs', type: 'quantitative', title: 'fan-out latency (ms, log scale)', scale: { type: 'log' } },
      y: { field: 'share', type: 'quantitative', title: 'share of messages', scale: { domain: [0, 1] } },
      color: { field: 'n', type: 'nominal', title: null, sort: order, legend: { orient: 'bottom' } },
      strokeDash: { field: 'setting', type: 'nominal', title: null, sort: settings, legend: { orient: 'bottom' } },
      detail: { field: 'setting', type: 'nominal' },
    },
  },
  config: { font: 'sans-serif' },
}

const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' })
writeFileSync(output, await view.toSVG())
console.error(`wrote ${output}`)
