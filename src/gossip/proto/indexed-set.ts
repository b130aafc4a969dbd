/**
 * A set with O(1) add, delete, has and uniform random pick: the shape HyParView's views
 * need (random eviction, random walk targets). Iteration order is unspecified.
 */
import type { Rng } from './rng.js'

export class IndexedSet<T> {
  private readonly items: T[] = []
  private readonly index = new Map<T, number>()

  get size(): number {
    return this.items.length
  }

  has(item: T): boolean {
    return this.index.has(item)
  }

  /** Adds `item`; returns false if it was already present. */
  add(item: T): boolean {
    if (this.index.has(item)) return false
    this.index.set(item, this.items.length)
    this.items.push(item)
    return true
  }

  /** Removes `item`; returns false if it was absent. */
  delete(item: T): boolean {
    const at = this.index.get(item)
    if (at === undefined) return false
    const last = this.items.pop() as T
    if (at < this.items.length) {
      this.items[at] = last
      this.index.set(last, at)
    }
    this.index.delete(item)
    return true
  }

  /** A uniformly random member, or undefined when empty. */
  pick(rng: Rng): T | undefined {
    if (this.items.length === 0) return undefined
    return this.items[rng.int(this.items.length)]
  }

  /** A uniformly random member for which `allowed` holds, or undefined. */
  pickWhere(rng: Rng, allowed: (item: T) => boolean): T | undefined {
    let candidates = 0
    for (const item of this.items) if (allowed(item)) candidates++
    if (candidates === 0) return undefined
    let target = rng.int(candidates)
    for (const item of this.items) {
      if (!allowed(item)) continue
      if (target === 0) return item
      target--
    }
    return undefined
  }

  values(): readonly T[] {
    return this.items
  }

  [Symbol.iterator](): Iterator<T> {
    return this.items[Symbol.iterator]()
  }
}
