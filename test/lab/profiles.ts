/**
 * Link profiles of the network lab: the one-way delay, jitter, loss and rate between two
 * hosts of one profile, applied in user space by the lab switch (test/lab/switch.py).
 * The ladder follows iroh's real-network tests: LAN, good Wi-Fi, weak 4G, satellite and
 * a hostile link.
 */

/** Bursty loss: a Gilbert-Elliott chain per link and direction. */
export interface BurstLoss {
  /** Chance per packet of going from the good state to the bad one. */
  readonly pGoodBad: number
  /** Chance per packet of leaving the bad state. */
  readonly pBadGood: number
  /** Loss in the bad state (1 = every packet). */
  readonly lossBad: number
}

/** One link, as the switch applies it between two hosts of this profile. */
export interface LinkProfile {
  /** One-way delay between two hosts. */
  readonly delayMs: number
  /** Uniform jitter around the delay (± this). */
  readonly jitterMs: number
  /** Independent loss per packet, end to end (0 … 1). */
  readonly loss: number
  /** Rate of each host's access link, kbit/s (0 = unlimited). */
  readonly rateKbit: number
  /** Bursty loss on top of `loss`. */
  readonly burst?: BurstLoss
}

/** The ladder. Round-trip time = 2 × delayMs. */
export const PROFILES = {
  lan: { delayMs: 0, jitterMs: 0, loss: 0, rateKbit: 0 },
  wifi: { delayMs: 8, jitterMs: 2, loss: 0.001, rateKbit: 100_000 },
  '4g': { delayMs: 45, jitterMs: 10, loss: 0.02, rateKbit: 8_000 },
  satellite: { delayMs: 300, jitterMs: 20, loss: 0.01, rateKbit: 10_000 },
  // ~10 % loss end to end in bursts of 5 packets on average: each of the two access links
  // is bad 0.011 / (0.011 + 0.2) = 5.2 % of the time and loses everything then.
  hostile: { delayMs: 400, jitterMs: 150, loss: 0, rateKbit: 256, burst: { pGoodBad: 0.011, pBadGood: 0.2, lossBad: 1 } },
  // The fan-out comparison with the simulator: 40 ± 10 ms one way, nothing else.
  'lan40': { delayMs: 40, jitterMs: 10, loss: 0, rateKbit: 0 },
} as const satisfies Record<string, LinkProfile>

/** A name of the ladder. */
export type ProfileName = keyof typeof PROFILES

/** The profile called `name`, or undefined. */
export function profileNamed(name: string): LinkProfile | undefined {
  return Object.hasOwn(PROFILES, name) ? PROFILES[name as ProfileName] : undefined
}
