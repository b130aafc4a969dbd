/**
 * hearsay/sim: the deterministic simulation engine. Drives the real protocol core under
 * virtual time with seeded latency, loss, crashes and partitions, and measures
 * reliability, RMR, LDH and overlay shape. The scenario catalogue (S1-S11, the crash
 * sweep, fuzzing) and its reports live in the repository's bench/sim/ and run with
 * `npm run bench:sim`.
 * @module hearsay/sim
 */
export { Simulation, SimulationError, SIM_TOPIC, type SimulationOptions, type SimNode, type CpuModel } from './simulation.js'
export { BroadcastLog, BroadcastRecord, type LiveNode } from './broadcast-log.js'
export {
  summarize,
  overlaySummary,
  floodLdh,
  percentile,
  componentSizes,
  strandedNodes,
  type DeliverySummary,
  type OverlaySummary,
} from './metrics.js'
export { membershipRoundMs } from './rounds.js'
