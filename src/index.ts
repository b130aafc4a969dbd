/**
 * hearsay: serverless peer-to-peer broadcast (HyParView membership + Plumtree
 * broadcast) for Node.js.
 *
 * This barrel exports the sans-IO protocol core, the wire codec and the transport; the
 * node driver with `createNode()` builds on them. The simulator is a separate entry
 * point, `hearsay/sim`.
 */
export * from './gossip/proto/index.js'
export { HearsayError, ConfigError, InvariantError } from './errors.js'
