/**
 * Per-node log scopes: every shell (node driver, transport, connections, mDNS) takes a
 * `Logs` and names its logger `hearsay:<scope>:<node>`, the node being the short form of
 * its id (ids.ts), so the logs of several nodes in one process can be told apart and a
 * DEBUG pattern such as `hearsay:transport*` still selects a layer.
 */
import { logger } from '@libp2p/logger'
import { shortId } from './ids.js'

/**
 * A log scope: printf-style lines (`%s`, `%d`), printed when DEBUG names the scope. The
 * loggers of `@libp2p/logger` have this shape; so can an application's own.
 */
export interface Logger {
  /** Logs a debug line. */
  (formatter: string, ...args: unknown[]): void
  /** Logs an error line. */
  error(formatter: string, ...args: unknown[]): void
  /** Logs a trace line. */
  trace(formatter: string, ...args: unknown[]): void
}

/** Makes the logger of one scope (`'transport:connection'`) for one node. */
export type Logs = (scope: string) => Logger

/** The logs of node `nodeId`: scope `s` logs under `hearsay:s:<short id>`. */
export function nodeLogs(nodeId: string): Logs {
  const node = shortId(nodeId)
  return (scope) => logger(`hearsay:${scope}:${node}`)
}
