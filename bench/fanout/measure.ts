/**
 * Bookkeeping shared by the fan-out benchmark's in-process and multi-process modes:
 * which message reached which node when, and the summary figures of
 * docs/method.md section 1 (fan-out latency = until the LAST receiver has it).
 */
import { loadavg } from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'

/** Payload layout: 4-byte message number, then filler up to the payload size. */
export function makePayload(messageNumber: number, sizeBytes: number): Uint8Array {
  const payload = new Uint8Array(Math.max(4, sizeBytes))
  new DataView(payload.buffer).setUint32(0, messageNumber)
  payload.fill(0x61, 4)
  return payload
}

export function messageNumberOf(payload: Uint8Array): number {
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0)
}

/**
 * Event-loop lag of the process running the nodes over one phase, from
 * perf_hooks.monitorEventLoopDelay({ resolution: 10 }): how late each 10 ms timer tick
 * fired, i.e. the recorded delay minus the 10 ms interval (clamped at 0). A stall of
 * X ms is one sample of about X ms, so p99 understates long stalls; max shows them.
 */
export interface LoopLagFigures {
  p50: number
  p99: number
  max: number
  /** Ticks sampled (about wall time / 10 ms when the loop is free). */
  samples: number
}

const LAG_RESOLUTION_MS = 10

/** Starts sampling this process's event-loop lag; the returned function stops and summarises. */
export function startLoopLag(): () => LoopLagFigures {
  const histogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS })
  histogram.reset()
  histogram.enable()
  return () => {
    histogram.disable()
    const samples = histogram.count
    const lag = (ns: number) => (samples === 0 ? 0 : round(Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS)))
    return { p50: lag(histogram.percentile(50)), p99: lag(histogram.percentile(99)), max: lag(histogram.max), samples }
  }
}

/** neighborDown topic events summed over every node, by reason. */
export interface NeighborDropCounts {
  total: number
  byReason: Record<string, number>
}

/** Drops between two cumulative counts (`later` minus `earlier`). */
export function dropsBetween(earlier: NeighborDropCounts, later: NeighborDropCounts): NeighborDropCounts {
  const byReason: Record<string, number> = {}
  for (const [reason, count] of Object.entries(later.byReason)) {
    const delta = count - (earlier.byReason[reason] ?? 0)
    if (delta > 0) byReason[reason] = delta
  }
  return { total: later.total - earlier.total, byReason }
}

/**
 * The machine's 1-minute load average (os.loadavg) when a phase started and ended: on a
 * shared machine, what else was running shapes every figure, so reports carry it.
 */
export interface LoadFigures {
  start: number
  end: number
}

/** The 1-minute load average now, rounded to 0.01. */
export function loadAverage1m(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100
}

/** Overload indicators measured alongside a phase. */
export interface OverloadFigures {
  /** null when not measured (--processes: the nodes run in other processes). */
  eventLoopLagMs: LoopLagFigures | null
  /** neighborDown events across all nodes during the phase. */
  neighborDrops: number
  neighborDropsByReason: Record<string, number>
}

export interface PhaseFigures extends OverloadFigures {
  messages: number
  fanoutLatencyMs: { p50: number; p90: number; p99: number; max: number }
  perReceiverLatencyMs: { p50: number; p99: number }
  /** Copies received / copies expected (messages x (N - 1)). */
  deliveryRatio: number
  /** Messages that reached every receiver. */
  fullyDelivered: number
  /** Deliveries of a message a node already had (must be 0). */
  duplicates: number
  wireBytesPerMsg: number
  /** Frames sent on all connections per message (each frame one encryption and one socket write at least). */
  framesPerMsg: number
  cpuMsPerMsg: number
  wallMs: number
  /** 1-minute load average of the machine at the start and end of the phase. */
  loadAverage1m: LoadFigures
  /** Every fully delivered message's fan-out latency, ascending (for plots). */
  fanoutSamplesMs: number[]
}

/** Arrival times of one phase's messages at each node. */
export class DeliveryLog {
  private readonly sentAtMs = new Map<number, number>()
  private readonly arrivals = new Map<number, Map<number, number>>()
  private readonly waiters = new Map<number, () => void>()
  duplicates = 0

  constructor(private readonly nodeCount: number) {}

  /** Registers a message of this phase before it is broadcast. */
  expect(messageNumber: number): void {
    this.arrivals.set(messageNumber, new Map())
  }

  /** When the broadcast call was made (may be learned after the first arrivals). */
  sent(messageNumber: number, atMs: number): void {
    this.sentAtMs.set(messageNumber, atMs)
  }

  /** Resolves when every receiver has `messageNumber`, or after `timeoutMs` (false). */
  complete(messageNumber: number, timeoutMs: number): Promise<boolean> {
    if (this.isComplete(messageNumber)) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(messageNumber)
        resolve(false)
      }, timeoutMs)
      this.waiters.set(messageNumber, () => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  }

  received(messageNumber: number, node: number, atMs: number): void {
    const arrivals = this.arrivals.get(messageNumber)
    if (arrivals === undefined) return // a warm-up or other phase's message
    if (arrivals.has(node)) {
      this.duplicates++
      return
    }
    arrivals.set(node, atMs)
    if (this.isComplete(messageNumber)) {
      const waiter = this.waiters.get(messageNumber)
      this.waiters.delete(messageNumber)
      waiter?.()
    }
  }

  isComplete(messageNumber: number): boolean {
    return (this.arrivals.get(messageNumber)?.size ?? 0) >= this.nodeCount - 1
  }

  allComplete(): boolean {
    for (const messageNumber of this.arrivals.keys()) if (!this.isComplete(messageNumber)) return false
    return true
  }

  figures(measured: { wireBytes: number; wireFrames: number; cpuMs: number; wallMs: number; loadAverage1m: LoadFigures } & OverloadFigures): PhaseFigures {
    const fanout: number[] = []
    const perReceiver: number[] = []
    let copies = 0
    let full = 0
    for (const [messageNumber, arrivals] of this.arrivals) {
      const sentAt = this.sentAtMs.get(messageNumber)
      if (sentAt === undefined) continue
      copies += arrivals.size
      let last = 0
      for (const at of arrivals.values()) {
        perReceiver.push(at - sentAt)
        last = Math.max(last, at - sentAt)
      }
      if (arrivals.size >= this.nodeCount - 1) {
        full++
        fanout.push(last)
      }
    }
    const messages = this.arrivals.size
    fanout.sort((a, b) => a - b)
    perReceiver.sort((a, b) => a - b)
    return {
      messages,
      fanoutLatencyMs: { p50: pct(fanout, 0.5), p90: pct(fanout, 0.9), p99: pct(fanout, 0.99), max: round(fanout.at(-1) ?? 0) },
      perReceiverLatencyMs: { p50: pct(perReceiver, 0.5), p99: pct(perReceiver, 0.99) },
      deliveryRatio: messages === 0 ? 1 : Math.round((copies / (messages * (this.nodeCount - 1))) * 100_000) / 100_000,
      fullyDelivered: full,
      duplicates: this.duplicates,
      wireBytesPerMsg: messages === 0 ? 0 : Math.round(measured.wireBytes / messages),
      framesPerMsg: messages === 0 ? 0 : Math.round((measured.wireFrames / messages) * 10) / 10,
      cpuMsPerMsg: messages === 0 ? 0 : round(measured.cpuMs / messages),
      wallMs: Math.round(measured.wallMs),
      eventLoopLagMs: measured.eventLoopLagMs,
      neighborDrops: measured.neighborDrops,
      neighborDropsByReason: measured.neighborDropsByReason,
      loadAverage1m: measured.loadAverage1m,
      fanoutSamplesMs: fanout.map((x) => Math.round(x * 100) / 100),
    }
  }
}

/** Nearest-rank percentile of sorted values, rounded to 0.001. */
export function pct(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0
  return round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number)
}

export function round(value: number): number {
  return Math.round(value * 1000) / 1000
}
