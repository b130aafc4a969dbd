/**
 * Memory per tracked origin in Plumtree's per-origin trees.
 *
 *   node --expose-gc --import tsx bench/origin-tree-memory.ts --origins 20000 --neighbors 5 --messages 1
 *
 * Builds one OriginTrees with `--neighbors` active neighbors (64-hex ids, as real node
 * ids), tracks `--origins` origins (each tree a copy of the shared tree, as on an
 * origin's first message), counts `--messages` messages of each origin (each tree then
 * remembers their ids, as after a delivery) and prints the heap growth per origin as
 * JSON. Bounded by its counts.
 */
import { randomBytes } from 'node:crypto'
import { Command } from 'commander'
import { OriginTrees } from '../src/gossip/proto/origin-trees.js'
import { nonNegativeInt, positiveInt } from '../src/cli/int-args.js'

const options = new Command('origin-tree-memory')
  .option('--origins <n>', 'origins to track', positiveInt, 20_000)
  .option('--neighbors <n>', 'active neighbors', positiveInt, 5)
  .option('--messages <n>', 'messages counted per origin (ids remembered by its tree)', nonNegativeInt, 0)
  .parse()
  .opts<{ origins: number; neighbors: number; messages: number }>()

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) {
  console.error('run with node --expose-gc --import tsx bench/origin-tree-memory.ts')
  process.exit(2)
}
const id = (): string => randomBytes(32).toString('hex')
const origins = Array.from({ length: options.origins }, id)
const trees = new OriginTrees(options.origins, 600_000)
for (let i = 0; i < options.neighbors; i++) trees.neighborUp(id(), true)
const messageIds = Array.from({ length: options.origins * options.messages }, id)
gc()
const before = process.memoryUsage().heapUsed
for (const [i, origin] of origins.entries()) {
  const tree = trees.use(origin, i)
  for (let m = 0; m < options.messages; m++) trees.counted(tree, messageIds[i * options.messages + m] as string, i)
}
gc()
const after = process.memoryUsage().heapUsed
console.log(
  JSON.stringify({
    bench: 'origin-tree-memory-v1',
    config: options,
    trackedOrigins: trees.size,
    bytesPerOrigin: Math.round((after - before) / options.origins),
  }),
)
