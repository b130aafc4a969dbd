/**
 * Which discovered peers were already reported, so an unchanged announcement heard
 * every few seconds is reported once per `repeatAfterMs` rather than every time.
 * A peer is reported again at once when its addresses or topics change.
 *
 * Bounded: at most `maxPeers` entries; when full, the peer heard from least recently
 * is forgotten (and would simply be reported again if heard later). Pure: the caller
 * passes the time.
 */
import type { Announcement } from './mdns-records.js'

interface Entry {
  /** Addresses in order + sorted topics: what "unchanged" compares. */
  readonly key: string
  readonly reportedAtMs: number
}

export class PeerCache {
  private readonly entries = new Map<string, Entry>()

  /**
   * @param maxPeers most peers remembered (least recently heard evicted first)
   * @param repeatAfterMs an unchanged announcement is reported again after this long
   */
  constructor(
    readonly maxPeers: number,
    readonly repeatAfterMs: number,
  ) {}

  get size(): number {
    return this.entries.size
  }

  /** Records an announcement heard at `nowMs`; true when it should be reported. */
  observe(announcement: Announcement, nowMs: number): boolean {
    const { id, addrs } = announcement.peer
    const key = JSON.stringify([addrs, [...announcement.topics].sort()])
    const previous = this.entries.get(id)
    this.entries.delete(id) // re-inserted below: Map order is recency order
    if (previous !== undefined && previous.key === key && nowMs - previous.reportedAtMs < this.repeatAfterMs) {
      this.entries.set(id, previous)
      return false
    }
    if (previous === undefined && this.entries.size >= this.maxPeers) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
    this.entries.set(id, { key, reportedAtMs: nowMs })
    return true
  }
}
