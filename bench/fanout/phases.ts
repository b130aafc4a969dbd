/**
 * The phases of fan-out bench v1, shared by the in-process and multi-process swarms:
 * setup (join, wait for neighbors, settle), warm-up, sequential and burst.
 */
import { DeliveryLog, type PhaseFigures } from './measure.js'

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
  sizeBytes: number
  warmup: number
  settleMs: number
  /** A sequential message counts as not fully delivered after this long. */
  messageTimeoutMs: number
  seed: number
  mode: 'sequential' | 'burst' | 'all'
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
  /** Bytes written on every socket of the swarm so far. */
  wireBytes(): Promise<number>
  /** CPU milliseconds used by the swarm's process(es) so far. */
  cpuMs(): Promise<number>
  stop(): Promise<void>
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export async function setup(swarm: SwarmDriver, config: FanoutConfig): Promise<{ setupMs: number; cpuMs: number }> {
  const start = performance.now()
  const cpuStart = await swarm.cpuMs()
  await swarm.start()
  await until(() => swarm.neighborsReady(), 60_000, 'every node to have a neighbor')
  await new Promise((resolve) => setTimeout(resolve, config.settleMs))
  return { setupMs: Math.round(performance.now() - start), cpuMs: Math.round((await swarm.cpuMs()) - cpuStart) }
}

let nextMessageNumber = 0

/** Runs one phase with a fresh delivery log and measures its bytes, CPU and wall time. */
async function measured(swarm: SwarmDriver, run: (log: DeliveryLog) => Promise<void>): Promise<PhaseFigures> {
  const log = new DeliveryLog(swarm.size)
  swarm.setLog(log)
  const [bytesStart, cpuStart, wallStart] = [await swarm.wireBytes(), await swarm.cpuMs(), performance.now()]
  await run(log)
  const figures = log.figures({
    wireBytes: (await swarm.wireBytes()) - bytesStart,
    cpuMs: (await swarm.cpuMs()) - cpuStart,
    wallMs: performance.now() - wallStart,
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

/** Burst: `count` messages at `rate` per second without waiting; then up to 5 s to finish. */
export function burst(swarm: SwarmDriver, config: FanoutConfig, count: number): Promise<PhaseFigures> {
  return measured(swarm, async (log) => {
    const startMs = performance.now()
    const intervalMs = 1000 / config.rate
    for (let i = 0; i < count; i++) {
      const waitMs = startMs + i * intervalMs - performance.now()
      if (waitMs > 1) await new Promise((resolve) => setTimeout(resolve, waitMs))
      const messageNumber = nextMessageNumber++
      log.expect(messageNumber)
      void swarm.broadcast(swarm.pickSender(), messageNumber)
    }
    await until(() => log.allComplete(), 5_000, 'burst delivery').catch(() => undefined)
  })
}
