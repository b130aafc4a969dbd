/**
 * Plots the fan-out latency distribution (fan-out bench v2, docs/method.md: time until
 * the LAST receiver has a message) per swarm size as an SVG with Vega-Lite: one
 * cumulative distribution per N and phase (sequential, the burst, and in a `--mode
 * rates` report one per rate), from the `fanoutSamplesMs` of reports that
 * `npm run bench:fanout` printed. Reports without phases (a run aborted during setup)
 * are skipped with a note.
 *
 *   npm run bench:fanout -- --nodes 50 > docs/fanout-n50.json     (likewise 10, 100, 200)
 *   npm run bench:fanout -- --nodes 50 --mode rates > docs/fanout-n50-rates.json
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
/** A burst of `--mode rates`: a phase with the rate it was asked for. */
interface RatePhase extends Phase {
  rate: number
}
interface Report {
  config?: { nodes: number; rate: number; processes: boolean; ihaveDispatchMs?: number }
  phases?: { sequential?: Phase; burst?: Phase; rates?: RatePhase[] }
}

const [output, ...inputs] = process.argv.slice(2)
if (output === undefined || inputs.length === 0) {
  console.error('usage: tsx bench/plot-fanout.ts <out.svg> <report.json>...')
  process.exit(2)
}

/** The last JSON object of a file (an aborted run may print a partial report before the final one). */
function readReport(file: string): Report {
  const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line.trim().startsWith('{'))
  const last = lines.at(-1)
  if (last === undefined) throw new Error(`${file}: no JSON report in it`)
  return JSON.parse(last) as Report
}

const points: { n: string; setting: string; phase: string; latencyMs: number; share: number }[] = []
const order: string[] = []
const settings: string[] = []
const phaseOrder: string[] = ['sequential']
const addPhase = (n: string, setting: string, label: string, phase: Phase | undefined) => {
  const samples = phase?.fanoutSamplesMs
  if (phase === undefined || samples === undefined || samples.length === 0) return
  if (!phaseOrder.includes(label)) phaseOrder.push(label)
  // Messages that never reached everyone sit beyond the axis: the curve ends below 1.
  samples.forEach((latencyMs, i) => points.push({ n, setting, phase: label, latencyMs: Math.max(0.1, latencyMs), share: (i + 1) / phase.messages }))
}
for (const file of inputs) {
  const report = readReport(file)
  if (report.config === undefined || report.phases === undefined) {
    console.error(`${file}: no phases (the run ended during setup), skipped`)
    continue
  }
  const { config, phases } = report
  const n = `N = ${config.nodes}${config.processes ? ' (processes)' : ''}`
  if (!order.includes(n)) order.push(n)
  const setting = `IHAVE batch ${config.ihaveDispatchMs ?? 5} ms${config.ihaveDispatchMs === undefined ? ' (default)' : ''}`
  if (!settings.includes(setting)) settings.push(setting)
  addPhase(n, setting, 'sequential', phases.sequential)
  addPhase(n, setting, `burst ${config.rate}/s`, phases.burst)
  for (const phase of phases.rates ?? []) addPhase(n, setting, `burst ${phase.rate}/s`, phase)
}
if (points.length === 0) {
  console.error('no fan-out samples in these reports')
  process.exit(1)
}
const burstRate = (label: string) => (label === 'sequential' ? -1 : Number(label.replace(/\D+/g, '')))
phaseOrder.sort((a, b) => burstRate(a) - burstRate(b))

const spec: TopLevelSpec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: {
    text: 'hearsay fan-out latency (until the last of N-1 receivers has the message)',
    anchor: 'start',
    subtitle: ['fan-out bench (docs/method.md): all nodes in one Node.js process, Noise over loopback TCP, 256-byte signed messages;', 'cumulative share of messages; a curve ending below 1 means some messages did not reach everyone'],
  },
  data: { values: points },
  facet: { column: { field: 'phase', type: 'nominal', title: null, sort: phaseOrder } },
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
