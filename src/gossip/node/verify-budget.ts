/**
 * The per-peer budget of signature checks (see SECURITY.md, "Verification budget"); the
 * driver enforces it before any signature is checked.
 */

/** Per-peer budget of signature checks (GOSSIP whose id was not verified before). */
export interface VerifyBudgetOptions {
  /** Sustained signature checks per second per peer. 0 disables. @default 1_000 */
  readonly verifiesPerSecond: number
  /** Burst of checks. @default 5_000 */
  readonly verifyBurst: number
  /**
   * A peer sending new messages faster than twice the budget (a second bucket of twice
   * the rate and the same burst runs dry) for this long is disconnected. Between once and twice
   * the budget its excess is only dropped: a relay forwards at most what it admitted
   * from each of its peers, so an honest relay of one flooder is never disconnected.
   * @default 2_000
   */
  readonly verifyGraceMs: number
}

export const DEFAULT_VERIFY_BUDGET: Readonly<VerifyBudgetOptions> = Object.freeze({
  verifiesPerSecond: 1_000,
  verifyBurst: 5_000,
  verifyGraceMs: 2_000,
})
