/**
 * The phases of fan-out bench v2, shared by the in-process and multi-process swarms:
 * setup (join, wait for neighbors, settle), warm-up, sequential and burst (one burst,
 * or in --mode rates one burst per rate). Every phase also records the overload
 * indicators of measure.ts: event-loop lag and neighbor drops.
 */
import { DeliveryLog, dropsBetween, loadAverage1m, type LoadFigures, type LoopLagFigures, type NeighborDropCounts, type OverloadFigures, type PhaseFigures } from './measure.js'

export interface FanoutConfig {
  nodes: number
  /** Bootstrap contacts per joining node. */
  degree: number
  /** Sequential phase messages (M). */
  messages: number
  /** Burst phase messages (B). */
  burstMessages: number
  /** Burst rate, messages per second (R). */
  rate: number
  /** --mode rates: one burst of `burstMessages` at each of these rates, in this order. */
  rates?: number[] | undefined
  /** --mode rates: quiet pause before each rate's burst, so one burst's backlog does not run into the next. */
  ratePauseMs?: number | undefined
  sizeBytes: number
  warmup: number
  settleMs: number
  /** A sequential message counts as not fully delivered after this long. */
  messageTimeoutMs: number
  seed: number
  mode: 'sequential' | 'burst' | 'all' | 'rates'
  processes: boolean
  /** broadcast.ihaveDispatchMs for every node; undefined = the node default. */
  ihaveDispatchMs?: number | undefined
}

/** What a swarm under test must offer the phases. */
export interface SwarmDriver {
  readonly size: number
  start(): Promise<void>
  neighborsReady(): boolean
  setLog(log: DeliveryLog | undefined): void
  pickSender(): number
  /** Broadcasts message `messageNumber` from node `sender`; resolves when handed to the node. */
  broadcast(sender: number, messageNumber: number): Promise<number>
  /** Bytes written on every socket of the swarm so far, and frames sent (each a batch of protocol messages to one peer). */
  wire(): Promise<{ bytes: number; frames: number }>
  /** CPU milliseconds used by the swarm's process(es) so far. */
  cpuMs(): Promise<number>
  /** neighborDown events seen on every node's topic so far (cumulative). */
  neighborDrops(): Promise<NeighborDropCounts>
  /** Starts sampling the event-loop lag of the process running the nodes; null if it cannot. */
  startLoopLag(): (() => LoopLagFigures) | null
  stop(): Promise<void>
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Starts the overload indicators; the returned function reads them for the span since. */
async function overload(swarm: SwarmDriver): Promise<() => Promise<OverloadFigures>> {
  const dropsStart = await swarm.neighborDrops()
  const stopLag = swarm.startLoopLag()
  return async () => {
    const eventLoopLagMs = stopLag?.() ?? null
    const drops = dropsBetween(dropsStart, await swarm.neighborDrops())
    return { eventLoopLagMs, neighborDrops: drops.total, neighborDropsByReason: drops.byReason }
  }
}

export type SetupFigures = { setupMs: number; cpuMs: number; loadAverage1m: LoadFigures } & OverloadFigures

export async function setup(swarm: SwarmDriver, config: FanoutConfig): Promise<SetupFigures> {
  const loadStart = loadAverage1m()
  const start = performance.now()
  const cpuStart = await swarm.cpuMs()
  const stopOverload = await overload(swarm)
  await swarm.start()
  await until(() => swarm.neighborsReady(), 60_000, 'every node to have a neighbor')
  await new Promise((resolve) => setTimeout(resolve, config.settleMs))
  const setupMs = Math.round(performance.now() - start)
  const cpuMs = Math.round((await swarm.cpuMs()) - cpuStart)
  return { setupMs, cpuMs, loadAverage1m: { start: loadStart, end: loadAverage1m() }, ...(await stopOverload()) }
}

let nextMessageNumber = 0

/** Runs one phase with a fresh delivery log and measures its bytes, CPU and wall time. */
async function measured(swarm: SwarmDriver, run: (log: DeliveryLog) => Promise<void>): Promise<PhaseFigures> {
  const log = new DeliveryLog(swarm.size)
  swarm.setLog(log)
  const stopOverload = await overload(swarm)
  const loadStart = loadAverage1m()
  const [wireStart, cpuStart, wallStart] = [await swarm.wire(), await swarm.cpuMs(), performance.now()]
  await run(log)
  const wallMs = performance.now() - wallStart
  const wireEnd = await swarm.wire()
  const figures = log.figures({
    wireBytes: wireEnd.bytes - wireStart.bytes,
    wireFrames: wireEnd.frames - wireStart.frames,
    cpuMs: (await swarm.cpuMs()) - cpuStart,
    wallMs,
    loadAverage1m: { start: loadStart, end: loadAverage1m() },
    ...(await stopOverload()),
  })
  swarm.setLog(undefined)
  return figures
}

/** Sequential: each message waits until everyone has it (or the timeout). */
export function sequential(swarm: SwarmDriver, config: FanoutConfig, count: number): Promise<PhaseFigures> {
  return measured(swarm, async (log) => {
    for (let i = 0; i < count; i++) {
      const messageNumber = nextMessageNumber++
      log.expect(messageNumber)
      await swarm.broadcast(swarm.pickSender(), messageNumber)
      await log.complete(messageNumber, config.messageTimeoutMs)
    }
  })
}

export interface BurstFigures extends PhaseFigures {
  /** The rate asked for, messages per second. */
  rate: number
  /** The rate the sends actually went out at (below `rate` when the event loop lags). */
  achievedRate: number
}

/** Burst: `count` messages at `rate` per second without waiting; then up to 5 s to finish. */
export async function burst(swarm: SwarmDriver, config: FanoutConfig, count: number, rate = config.rate): Promise<BurstFigures> {
  let sendMs = 0
  const figures = await measured(swarm, async (log) => {
    const startMs = performance.now()
    const intervalMs = 1000 / rate
    for (let i = 0; i < count; i++) {
      const waitMs = startMs + i * intervalMs - performance.now()
      if (waitMs > 1) await new Promise((resolve) => setTimeout(resolve, waitMs))
      const messageNumber = nextMessageNumber++
      log.expect(messageNumber)
      void swarm.broadcast(swarm.pickSender(), messageNumber)
    }
    sendMs = performance.now() - startMs
    await until(() => log.allComplete(), 5_000, 'burst delivery').catch(() => undefined)
  })
  // count sends span count - 1 intervals.
  const achievedRate = count < 2 || sendMs <= 0 ? rate : Math.round(((count - 1) * 1000 * 10) / sendMs) / 10
  return { rate, achievedRate, ...figures }
}
