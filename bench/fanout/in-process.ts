/**
 * Fan-out bench v2, all nodes in one process (docs/method.md section 1): N nodes
 * on 127.0.0.1, each with its own identity and listener, every link a real Noise TCP
 * connection; node i > 0 bootstraps from D random earlier nodes.
 */
import { createNode, type Node, type Topic } from '../../src/index.js'
import { SeededRng } from '../../src/gossip/proto/index.js'
import { DeliveryLog, makePayload, messageNumberOf, startLoopLag, type LoopLagFigures, type NeighborDropCounts, type PhaseFigures } from './measure.js'
import type { FanoutConfig, SwarmDriver } from './phases.js'

const TOPIC = 'f0'.repeat(32)

export class InProcessSwarm implements SwarmDriver {
  private nodes: Node[] = []
  private topics: Topic[] = []
  private log: DeliveryLog | undefined
  private readonly rng: SeededRng
  private readonly drops: NeighborDropCounts = { total: 0, byReason: {} }

  constructor(private readonly config: FanoutConfig) {
    this.rng = new SeededRng(config.seed, 7)
  }

  get size(): number {
    return this.nodes.length
  }

  async start(): Promise<void> {
    const { nodes: count, degree } = this.config
    for (let i = 0; i < count; i++) {
      const dispatch = this.config.ihaveDispatchMs
      this.nodes.push(
        await createNode({
          listen: '127.0.0.1:0',
          rngSeed: this.config.seed * 1_000 + i,
          ...(dispatch === undefined ? {} : { config: { broadcast: { ihaveDispatchMs: dispatch } } }),
        }),
      )
    }
    for (let i = 0; i < count; i++) {
      const contacts = new Set<number>()
      while (i > 0 && contacts.size < Math.min(degree, i)) contacts.add(this.rng.int(i))
      const node = this.nodes[i] as Node
      const topic = node.subscribe(TOPIC, { bootstrap: [...contacts].map((c) => (this.nodes[c] as Node).addr()) })
      this.topics.push(topic)
      void this.pump(i, topic)
    }
  }

  neighborsReady(): boolean {
    return this.topics.every((t) => t.neighbors().length > 0)
  }

  private async pump(index: number, topic: Topic): Promise<void> {
    for await (const event of topic.events({ bufferSize: 100_000 })) {
      if (event.type === 'neighborDown') {
        this.drops.total++
        this.drops.byReason[event.reason] = (this.drops.byReason[event.reason] ?? 0) + 1
        continue
      }
      if (event.type !== 'received') continue
      this.log?.received(messageNumberOf(event.content), index, performance.now())
    }
  }

  async neighborDrops(): Promise<NeighborDropCounts> {
    return { total: this.drops.total, byReason: { ...this.drops.byReason } }
  }

  /** Every node runs on this process's event loop, so its lag is theirs. */
  startLoopLag(): () => LoopLagFigures {
    return startLoopLag()
  }

  setLog(log: DeliveryLog | undefined): void {
    this.log = log
  }

  pickSender(): number {
    return this.rng.int(this.nodes.length)
  }

  async broadcast(sender: number, messageNumber: number): Promise<number> {
    const payload = makePayload(messageNumber, this.config.sizeBytes)
    const sentAt = performance.now()
    this.log?.sent(messageNumber, sentAt)
    await (this.topics[sender] as Topic).broadcast(payload)
    return sentAt
  }

  async wire(): Promise<{ bytes: number; frames: number }> {
    let bytes = 0
    let frames = 0
    for (const node of this.nodes) {
      const stats = node.stats()
      bytes += stats.bytesWritten
      frames += stats.framesSent
    }
    return { bytes, frames }
  }

  async cpuMs(): Promise<number> {
    const usage = process.cpuUsage()
    return (usage.user + usage.system) / 1000
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.close()))
  }
}

export type { PhaseFigures }
