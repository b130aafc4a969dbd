/**
 * Figures of a lab run, computed from the nodes' events: delivery, duplicates,
 * per-author order, fan-out latency, neighbor changes, repair times, and what each half
 * of a partition received of the other's messages.
 */
import type { LabNodeEvent } from './lab-node.js'

type Rx = Extract<LabNodeEvent, { ev: 'rx' }>

/** A message the run sent: author index, sequence number, send time. */
export interface SentMessage {
  readonly author: number
  readonly seq: number
  readonly sentAtMs: number
}

/** The p-th percentile (0 … 100) of `values`, nearest rank; undefined if empty. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]
}

const round1 = (v: number | undefined): number | null => (v === undefined ? null : Math.round(v * 10) / 10)

/** Who received what: receiver index -> "author:seq" -> receive times (more than one = duplicate). */
export class DeliveryTable {
  readonly byReceiver = new Map<number, Map<string, number[]>>()
  /** Per receiver and author, the sequence numbers in order of delivery. */
  readonly orderSeen = new Map<number, Map<number, number[]>>()
  /** Per receiver, "author:seq" of the messages delivered marked late. */
  private readonly lateKeys = new Map<number, Set<string>>()

  add(receiver: number, rx: Rx): void {
    let table = this.byReceiver.get(receiver)
    if (table === undefined) this.byReceiver.set(receiver, (table = new Map()))
    const key = `${rx.a}:${rx.s}`
    const times = table.get(key)
    if (times === undefined) table.set(key, [rx.t])
    else times.push(rx.t)
    if (rx.l === 1 && times === undefined) {
      let late = this.lateKeys.get(receiver)
      if (late === undefined) this.lateKeys.set(receiver, (late = new Set()))
      late.add(key)
    }
    let authors = this.orderSeen.get(receiver)
    if (authors === undefined) this.orderSeen.set(receiver, (authors = new Map()))
    let seqs = authors.get(rx.a)
    if (seqs === undefined) authors.set(rx.a, (seqs = []))
    seqs.push(rx.s)
  }

  firstTime(receiver: number, author: number, seq: number): number | undefined {
    return this.byReceiver.get(receiver)?.get(`${author}:${seq}`)?.[0]
  }

  /** Was the first delivery of this message marked late by the library? */
  markedLate(receiver: number, author: number, seq: number): boolean {
    return this.lateKeys.get(receiver)?.has(`${author}:${seq}`) === true
  }

  duplicates(): number {
    let count = 0
    for (const table of this.byReceiver.values()) for (const times of table.values()) count += times.length - 1
    return count
  }

  /** Deliveries of a message after a later one of the same author, at the same receiver (only `counted` messages). */
  orderViolations(counted: (author: number, seq: number) => boolean, receivers?: ReadonlySet<number>): number {
    let count = 0
    for (const [receiver, authors] of this.orderSeen) {
      if (receivers !== undefined && !receivers.has(receiver)) continue
      for (const [author, seqs] of authors) {
        let highest = -Infinity
        for (const seq of seqs) {
          if (!counted(author, seq)) continue
          if (seq < highest) count++
          else highest = seq
        }
      }
    }
    return count
  }
}

/** Delivery and latency of `messages`, each expected at `receiversOf(message)`. */
export function deliveryFigures(table: DeliveryTable, messages: readonly SentMessage[], receiversOf: (m: SentMessage) => readonly number[]) {
  let expected = 0
  let delivered = 0
  const fanout: number[] = []
  const perReceiver: number[] = []
  let incomplete = 0
  for (const m of messages) {
    const receivers = receiversOf(m)
    let last = -Infinity
    let all = true
    for (const r of receivers) {
      expected++
      const t = table.firstTime(r, m.author, m.seq)
      if (t === undefined) {
        all = false
        continue
      }
      delivered++
      perReceiver.push(t - m.sentAtMs)
      last = Math.max(last, t - m.sentAtMs)
    }
    if (all && receivers.length > 0) fanout.push(last)
    else if (!all) incomplete++
  }
  return {
    messages: messages.length,
    expectedDeliveries: expected,
    delivered,
    deliveryRatio: expected === 0 ? null : Math.round((delivered / expected) * 1e5) / 1e5,
    incompleteMessages: incomplete,
    fanoutP50Ms: round1(percentile(fanout, 50)),
    fanoutP99Ms: round1(percentile(fanout, 99)),
    fanoutMaxMs: round1(fanout.length === 0 ? undefined : Math.max(...fanout)),
    receiverP50Ms: round1(percentile(perReceiver, 50)),
    receiverP99Ms: round1(percentile(perReceiver, 99)),
  }
}

/** Neighbor up/down events per host between `fromMs` and `toMs`. */
export function neighborChanges(eventsByHost: readonly (readonly LabNodeEvent[])[], fromMs = -Infinity, toMs = Infinity) {
  const up: number[] = []
  const down: number[] = []
  const all: number[] = []
  const downReasons: Record<string, number> = {}
  for (const events of eventsByHost) {
    let u = 0
    let d = 0
    for (const e of events) {
      if (e.t < fromMs || e.t > toMs) continue
      if (e.ev === 'up') {
        u++
        all.push(e.t)
      } else if (e.ev === 'down') {
        d++
        all.push(e.t)
        downReasons[e.reason] = (downReasons[e.reason] ?? 0) + 1
      }
    }
    up.push(u)
    down.push(d)
  }
  // Busiest 2 s window of neighbor changes, all hosts together.
  all.sort((a, b) => a - b)
  let busiest = 0
  for (let i = 0, j = 0; i < all.length; i++) {
    while ((all[i] as number) - (all[j] as number) > 2_000) j++
    busiest = Math.max(busiest, i - j + 1)
  }
  return {
    upTotal: up.reduce((a, b) => a + b, 0),
    downTotal: down.reduce((a, b) => a + b, 0),
    upPerHost: up,
    downPerHost: down,
    maxDownPerHost: Math.max(0, ...down),
    downReasons,
    busiest2sWindow: busiest,
  }
}

export { round1 }
