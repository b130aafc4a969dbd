/**
 * Summarises a V8 .cpuprofile (e.g. from `npm run bench:fanout -- --profile <file>`):
 * the functions with the most self time and the most inclusive time, each as a share of
 * the busy (non-idle) samples.
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [top=30]
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
}

const [file, topArg] = process.argv.slice(2)
if (file === undefined) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]')
  process.exit(2)
}
const top = Number(topArg ?? 30)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}`
const counts = new Map<number, number>()
for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1)
const self = new Map<string, number>()
const inclusive = new Map<string, number>()
let busy = 0
for (const [id, count] of counts) {
  const node = byId.get(id) as ProfileNode
  if (node.callFrame.functionName === '(idle)') continue
  busy += count
  self.set(label(node), (self.get(label(node)) ?? 0) + count)
  const seen = new Set<string>()
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur) as ProfileNode)
    if (seen.has(l)) continue
    seen.add(l)
    inclusive.set(l, (inclusive.get(l) ?? 0) + count)
  }
}
const show = (title: string, m: Map<string, number>) => {
  console.log(`${title} (% of ${busy} busy samples)`)
  for (const [l, c] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * c) / busy).toFixed(1).padStart(6)}  ${l}`)
}
show('self', self)
show('inclusive', inclusive)
