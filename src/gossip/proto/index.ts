/**
 * The sans-IO protocol core: HyParView + Plumtree per topic, multi-topic state.
 * @module hearsay/proto
 */
export * from './types.js'
export * from './messages.js'
export * from './io.js'
export * from './config.js'
export { SeededRng, type Rng } from './rng.js'
export { ProtocolState, type TopicStats } from './state.js'
export type { MembershipStats } from './hyparview.js'
export type { BroadcastSizes } from './plumtree.js'
export { checkInvariants } from './invariants.js'
