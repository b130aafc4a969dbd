/**
 * Plots a crash sweep (the JSON object `npm run bench:sim -- --scenario crash` prints)
 * as an SVG with Vega-Lite: per failure rate, the no-repair floor of the method, the
 * share of survivors the overlay still reached without repair, and the reliability of
 * the first broadcast after the crash with repair on; the rounds until 100 % are
 * written above each rate.
 *
 *   npm run bench:sim -- --scenario crash --nodes 10000 --seeds 1,2,3 > sweep.json
 *   npx tsx bench/plot-crash.ts sweep.json docs/crash-sweep.svg
 */
import { readFileSync, writeFileSync } from 'node:fs'
import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import type { CrashSweepResult } from './sim/index.js'

const [input, output = 'docs/crash-sweep.svg'] = process.argv.slice(2)
if (input === undefined) {
  console.error('usage: tsx bench/plot-crash.ts <sweep.json> [out.svg]')
  process.exit(2)
}
const sweep = JSON.parse(readFileSync(input, 'utf8')) as CrashSweepResult

const series = [
  { key: 'floor', label: 'no-repair floor (random 5-regular graph, method table)' },
  { key: 'static', label: 'this overlay at the crash, no repair' },
  { key: 'first', label: 'first broadcast after the crash, HyParView repair on' },
] as const
const points = sweep.rates.flatMap((r) => [
  { failPercent: r.failPercent, series: series[0].label, reliability: r.floor },
  { failPercent: r.failPercent, series: series[1].label, reliability: r.reachWithoutRepair.median },
  { failPercent: r.failPercent, series: series[2].label, reliability: r.firstBroadcast.median },
])
const labels = sweep.rates.map((r) => ({
  failPercent: r.failPercent,
  text: r.roundsTo100.median === null ? 'never' : `${r.roundsTo100.median}`,
}))

const spec: TopLevelSpec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: {
    text: `Mass crash at ${sweep.nodes.toLocaleString('en')} nodes: reliability of the first broadcast`,
    anchor: 'start',
    subtitle: [
      `median over seeds ${sweep.seeds.join(', ')}; numbers on top: membership rounds (5 s each)`,
      'until a broadcast reached every survivor (0 = the first one did)',
    ],
  },
  width: 560,
  height: 300,
  layer: [
    {
      data: { values: points },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'failPercent', type: 'quantitative', title: 'nodes crashed at once (%)', scale: { domain: [10, 95], nice: false } },
        y: { field: 'reliability', type: 'quantitative', title: 'share of survivors reached', scale: { domain: [0, 1] } },
        color: {
          field: 'series',
          type: 'nominal',
          title: null,
          sort: series.map((s) => s.label),
          legend: { orient: 'bottom', direction: 'vertical', labelLimit: 500 },
        },
        strokeDash: { field: 'series', type: 'nominal', sort: series.map((s) => s.label), legend: null },
      },
    },
    {
      data: { values: labels },
      mark: { type: 'text', dy: -8, fontSize: 11 },
      encoding: {
        x: { field: 'failPercent', type: 'quantitative' },
        y: { datum: 1.04 },
        text: { field: 'text' },
      },
    },
  ],
  config: { font: 'sans-serif' },
}

const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' })
const svg = await view.toSVG()
writeFileSync(output, svg)
console.error(`wrote ${output}`)
