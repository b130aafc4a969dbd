/**
 * The unit of repair time the fault scenarios count in.
 *
 * A **membership round** is one period of HyParView's repair tick
 * (`membership.repairIntervalMs`, 5 s by default): in one round every node below
 * capacity asks its passive peers again, shuffles, and a node whose views drained
 * re-joins. "100 % within 3 membership rounds" means within 3 x 5 s of virtual time.
 */
import { resolveConfig, type ProtocolConfigInput } from '../proto/config.js'

/** Length of one membership round for `config`, in ms. */
export function membershipRoundMs(config: ProtocolConfigInput = {}): number {
  return resolveConfig(config).membership.repairIntervalMs
}
