/**
 * Fan-out bench v2 with one OS process per node: the coordinator (this process) starts
 * N workers (bench/fanout/worker.ts), tells them whom to bootstrap from and when to
 * broadcast, and collects delivery times. Workers stamp times with
 * performance.timeOrigin + performance.now(), one clock for all processes on a machine.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { SeededRng } from '../../src/gossip/proto/index.js'
import type { DeliveryLog, LoopLagFigures, NeighborDropCounts } from './measure.js'
import type { FanoutConfig, SwarmDriver } from './phases.js'
import type { ToWorker, FromWorker } from './worker-messages.js'

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url))

interface Worker {
  readonly child: ChildProcess
  addr?: { id: string; addrs: string[] }
  neighbors: number
}

export class MultiProcessSwarm implements SwarmDriver {
  private readonly workers: Worker[] = []
  private log: DeliveryLog | undefined
  private readonly rng: SeededRng
  private readonly pending = new Map<number, (value: FromWorker) => void>()
  private requestId = 0
  private readonly drops: NeighborDropCounts = { total: 0, byReason: {} }

  constructor(private readonly config: FanoutConfig) {
    this.rng = new SeededRng(config.seed, 7)
  }

  get size(): number {
    return this.workers.length
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.config.nodes; i++) {
      const child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
      const worker: Worker = { child, neighbors: 0 }
      child.on('message', (message: FromWorker) => this.onMessage(i, worker, message))
      this.workers.push(worker)
    }
    await Promise.all(this.workers.map((w) => this.request(w, { type: 'listen', size: this.config.sizeBytes, ihaveDispatchMs: this.config.ihaveDispatchMs })))
    for (let i = 0; i < this.workers.length; i++) {
      const contacts = new Set<number>()
      while (i > 0 && contacts.size < Math.min(this.config.degree, i)) contacts.add(this.rng.int(i))
      const bootstrap = [...contacts].map((c) => this.workers[c]?.addr).filter((a) => a !== undefined)
      await this.request(this.workers[i] as Worker, { type: 'subscribe', bootstrap })
    }
  }

  private onMessage(index: number, worker: Worker, message: FromWorker): void {
    switch (message.type) {
      case 'delivered':
        this.log?.received(message.messageNumber, index, message.atMs)
        return
      case 'neighbors':
        worker.neighbors = message.count
        if (message.down !== undefined) {
          this.drops.total++
          this.drops.byReason[message.down] = (this.drops.byReason[message.down] ?? 0) + 1
        }
        return
      default: {
        const resolve = this.pending.get(message.requestId)
        this.pending.delete(message.requestId)
        if (message.type === 'listening') worker.addr = message.addr
        resolve?.(message)
      }
    }
  }

  private request(worker: Worker, message: DistributiveOmit<ToWorker, 'requestId'>): Promise<FromWorker> {
    const requestId = this.requestId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker did not answer ${message.type} within 30 s`)), 30_000)
      this.pending.set(requestId, (value) => {
        clearTimeout(timer)
        resolve(value)
      })
      worker.child.send({ ...message, requestId } as ToWorker)
    })
  }

  neighborsReady(): boolean {
    return this.workers.every((w) => w.neighbors > 0)
  }

  setLog(log: DeliveryLog | undefined): void {
    this.log = log
  }

  pickSender(): number {
    return this.rng.int(this.workers.length)
  }

  async broadcast(sender: number, messageNumber: number): Promise<number> {
    const reply = await this.request(this.workers[sender] as Worker, { type: 'broadcast', messageNumber })
    const sentAt = reply.type === 'broadcasted' ? reply.sentAtMs : Number.NaN
    this.log?.sent(messageNumber, sentAt)
    return sentAt
  }

  async wire(): Promise<{ bytes: number; frames: number }> {
    const replies = await Promise.all(this.workers.map((w) => this.request(w, { type: 'stats' })))
    return {
      bytes: replies.reduce((sum, r) => sum + (r.type === 'stats' ? r.bytesWritten : 0), 0),
      frames: replies.reduce((sum, r) => sum + (r.type === 'stats' ? r.framesSent : 0), 0),
    }
  }

  async cpuMs(): Promise<number> {
    const replies = await Promise.all(this.workers.map((w) => this.request(w, { type: 'stats' })))
    return replies.reduce((sum, r) => sum + (r.type === 'stats' ? r.cpuMs : 0), 0)
  }

  /** Counted from the workers' neighbor reports (IPC: a drop may be counted a few ms late). */
  async neighborDrops(): Promise<NeighborDropCounts> {
    return { total: this.drops.total, byReason: { ...this.drops.byReason } }
  }

  /** The nodes run on the workers' event loops, not this one: not measured. */
  startLoopLag(): (() => LoopLagFigures) | null {
    return null
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              w.child.kill('SIGKILL')
              resolve()
            }, 5_000)
            w.child.once('exit', () => {
              clearTimeout(timer)
              resolve()
            })
            w.child.send({ type: 'stop', requestId: -1 } satisfies ToWorker)
          }),
      ),
    )
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
