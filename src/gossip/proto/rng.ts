/**
 * Seeded pseudo-random numbers for the protocol core.
 *
 * The core never calls Math.random: every random choice (walk targets, evictions,
 * shuffle samples, message ids) comes from an `Rng` passed in, so one seed reproduces a
 * simulation exactly. The generator is xoshiro128** seeded through splitmix32; it is
 * fast and statistically good, and not cryptographic (the real node seeds it from
 * crypto randomness; nothing security-relevant depends on it).
 */

export interface Rng {
  /** Uniform 32-bit unsigned integer. */
  nextU32(): number
  /** Uniform float in [0, 1). */
  nextFloat(): number
  /** Uniform integer in [0, n); n must be >= 1. */
  int(n: number): number
}

function splitmix32(state: number): () => number {
  let s = state >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

/** xoshiro128** generator; `seed` may be any number (only its low 53 bits matter). */
export class SeededRng implements Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number, stream = 0) {
    const low = seed >>> 0
    const high = Math.floor(seed / 0x1_0000_0000) >>> 0
    const mix = splitmix32(low ^ Math.imul(high, 0x27d4eb2d) ^ Math.imul(stream + 1, 0x165667b1))
    this.a = mix()
    this.b = mix()
    this.c = mix()
    this.d = mix()
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0
    const t = this.b << 9
    this.c ^= this.a
    this.d ^= this.b
    this.b ^= this.c
    this.a ^= this.d
    this.c ^= t
    this.d = rotl(this.d, 11)
    return result
  }

  nextFloat(): number {
    return this.nextU32() / 0x1_0000_0000
  }

  int(n: number): number {
    return Math.floor(this.nextFloat() * n)
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}

/** Fisher–Yates sample of up to `count` distinct items, without modifying `items`. */
export function sample<T>(rng: Rng, items: readonly T[], count: number): T[] {
  const pool = items.slice()
  const n = Math.min(count, pool.length)
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(pool.length - i)
    const tmp = pool[i] as T
    pool[i] = pool[j] as T
    pool[j] = tmp
  }
  pool.length = n
  return pool
}

/** 32 random bytes as 64 lower-case hex chars (used for message ids). */
export function randomHex32(rng: Rng): string {
  let out = ''
  for (let i = 0; i < 8; i++) out += rng.nextU32().toString(16).padStart(8, '0')
  return out
}
