/**
 * Discrete-event simulator that drives the real protocol core (ProtocolState) under
 * virtual time.
 *
 * - One seed reproduces a run exactly: per-node Rngs and all fault choices derive from it,
 *   and events at equal times run in scheduling order.
 * - Links have a fixed latency per peer pair (uniform in [minLatencyMs, maxLatencyMs],
 *   derived from the seed), so each link is FIFO like a TCP connection; `jitterMs` adds
 *   per-message noise and thereby reordering.
 * - Faults: message loss, crash and restart, partitions. A crash is noticed by every
 *   peer holding a connection to the node after that link's latency; a send to a dead or
 *   partitioned peer is reported back as a connection failure (`peerDisconnected`).
 * - A connection belongs to one life (incarnation) of the peer, as a TCP connection
 *   does: a message in flight to a node that crashed or restarted meanwhile is lost and
 *   its sender learns of the failure; a message from an earlier life still arrives (the
 *   bytes were on the wire) and its receiver then sees that connection reset; a send
 *   over a connection to an earlier life fails.
 * - Optionally a per-node CPU model (`CpuModel`): every event a node handles (a message,
 *   a timer, a failure) waits in that node's queue until the node is free, and handling
 *   takes a service time (per message, per signature check, per send, per new
 *   connection), so overload shows up as processing lag in virtual time.
 * - Invariants are checked after every step; a failure throws SimulationError with the
 *   seed and the command that replays the run.
 */
import { HearsayError } from '../../errors.js'
import type { ProtocolConfigInput } from '../proto/config.js'
import { checkInvariants } from '../proto/invariants.js'
import type { Action, InEvent, Timer, TopicCommand } from '../proto/io.js'
import type { TopicMessage } from '../proto/messages.js'
import { SeededRng } from '../proto/rng.js'
import { ProtocolState } from '../proto/state.js'
import type { BroadcastScope, MessageId, PeerId, TopicId } from '../proto/types.js'
import { EventHeap } from './heap.js'
import { BroadcastLog, type BroadcastRecord } from './broadcast-log.js'
import { approxWireBytes } from './wire-size.js'

/** The topic every simulated node joins unless told otherwise. */
export const SIM_TOPIC: TopicId = '5e'.repeat(32)

/**
 * Service times of one simulated node, in virtual ms. A node handles one event at a
 * time; events that arrive while it is busy wait, in arrival order.
 */
export interface CpuModel {
  /** Per received message (decode and protocol handling). */
  receiveMs: number
  /** Extra per received GOSSIP (the signature check before forwarding). */
  verifyMs: number
  /** Per message sent (encode and encrypt). */
  sendMs: number
  /** Per new connection, at each end (the Noise handshake). */
  connectMs: number
}

/** Network model and protocol configuration of one simulation run. */
export interface SimulationOptions {
  /** CPU model of every node; none = events are handled the moment they are due. */
  cpu?: CpuModel
  /** Seed of the run: node Rngs, link latencies, loss and scenario choices all derive from it. */
  seed: number
  /** Lowest fixed link latency in virtual ms. @default 10 */
  minLatencyMs?: number
  /** Highest fixed link latency in virtual ms (latencies are uniform in [min, max]). @default 50 */
  maxLatencyMs?: number
  /** Extra uniform per-message delay in [0, jitterMs): reorders messages on a link. @default 0 */
  jitterMs?: number
  /** Probability that a message is silently lost. @default 0 */
  lossRate?: number
  /** Protocol configuration for every node. */
  config?: ProtocolConfigInput
  /** Check local invariants after every step. @default true */
  checkInvariants?: boolean
  /** Printed when a run fails, to replay it. */
  replayCommand?: string
}

/** A failed simulation run: carries the seed and how to replay it. */
export class SimulationError extends HearsayError {
  constructor(
    message: string,
    /** The seed of the failed run. */
    readonly seed: number,
    /** The command that replays the run (`SimulationOptions.replayCommand`), if one was given. */
    readonly replayCommand: string | undefined,
    cause: unknown
  ) {
    super(
      'ERR_SIMULATION',
      `${message}\n  seed: ${seed}${replayCommand === undefined ? '' : `\n  replay: ${replayCommand}`}`,
      { cause },
    )
  }
}

/** One simulated node: the real protocol core plus the simulator's bookkeeping. */
export interface SimNode {
  /** Position in `Simulation.nodes`. */
  readonly index: number
  /** Peer id: the index as a decimal string. */
  readonly id: PeerId
  /** The node's protocol core; replaced by a fresh one on restart. */
  state: ProtocolState
  /** false between a crash and the next restart. */
  alive: boolean
  /** Bumped on crash/restart so timers of an earlier life are dropped. */
  incarnation: number
  /**
   * Peers this node holds a connection to (opened by a send or a delivery) -> the
   * incarnation of the peer at the other end.
   */
  readonly connections: Map<number, number>
  /** Partition group; nodes in different groups cannot talk. */
  group: number
  /** Messages this node sent (all types, lost and failed sends included), whole run. */
  messagesSent: number
  /** Approximate wire bytes of those messages (see `approxWireBytes`). */
  bytesSent: number
  /** Messages delivered to this node, whole run. */
  messagesReceived: number
  /** CPU model of this node (see `Simulation.setCpu`). */
  cpu: CpuModel | undefined
  /** Virtual time until which the node is busy (CPU model only). */
  busyUntilMs: number
  /** Longest wait of an event in this node's queue (CPU model only). */
  maxLagMs: number
  /** Neighbor-down events this node reported, whole run. */
  neighborDowns: number
}

type SimEvent =
  | {
      timeMs: number
      seq: number
      kind: 'deliver'
      from: number
      fromIncarnation: number
      to: number
      toIncarnation: number
      topic: TopicId
      message: TopicMessage
    }
  | { timeMs: number; seq: number; kind: 'timer'; node: number; incarnation: number; timer: Timer }
  | {
      timeMs: number
      seq: number
      kind: 'failure'
      node: number
      incarnation: number
      peer: number
      /** Set when one connection failed: ignored unless the node still holds that one. */
      peerIncarnation?: number
    }
  | { timeMs: number; seq: number; kind: 'call'; fn: () => void }
  /** A busy node (CPU model) is free again: handle the next event of its queue. */
  | { timeMs: number; seq: number; kind: 'drain'; node: number }

/** An event waiting in a busy node's queue, with when it became due. */
interface QueuedEvent {
  readonly event: Exclude<SimEvent, { kind: 'call' | 'drain' }>
  readonly dueMs: number
}

/** Message types that change membership; counted to find quiet moments. */
const MEMBERSHIP_TYPES = new Set(['join', 'forwardJoin', 'neighbor', 'neighborReply', 'disconnect'])

/**
 * A simulated network of nodes running `ProtocolState` under virtual time: add nodes,
 * script joins, broadcasts and faults, then run the event queue.
 */
export class Simulation {
  /** The run's seed (`SimulationOptions.seed`). */
  readonly seed: number
  /** Every node ever added, dead ones included, indexed by `SimNode.index`. */
  readonly nodes: SimNode[] = []
  /** Delivery record of every broadcast started with `broadcast`. */
  readonly log = new BroadcastLog()
  /** Messages sent per type, whole run. */
  readonly sentByType = new Map<TopicMessage['type'], number>()
  /** Current virtual time in ms. */
  nowMs = 0
  /** Protocol events handled so far, all nodes. */
  steps = 0

  private readonly heap = new EventHeap<SimEvent>()
  private seq = 0
  private readonly rng: SeededRng
  private readonly minLatencyMs: number
  private readonly latencySpanMs: number
  private jitterMs: number
  private lossRate: number
  private readonly check: boolean
  private membershipInFlight = 0
  /** Per node (CPU model): events waiting, in arrival order. */
  private readonly queues = new Map<number, QueuedEvent[]>()
  /** Nodes with a wake-up to handle their queue scheduled. */
  private readonly draining = new Set<number>()

  constructor(
    /** The options the simulation was created with. */
    readonly options: SimulationOptions
  ) {
    this.seed = options.seed
    this.rng = new SeededRng(options.seed, 0x51)
    this.minLatencyMs = options.minLatencyMs ?? 10
    this.latencySpanMs = (options.maxLatencyMs ?? 50) - this.minLatencyMs
    this.jitterMs = options.jitterMs ?? 0
    this.lossRate = options.lossRate ?? 0
    this.check = options.checkInvariants ?? true
    if (this.latencySpanMs < 0) throw new HearsayError('ERR_INVALID_CONFIG', 'maxLatencyMs < minLatencyMs')
  }

  /** The simulation's own Rng for scenario choices (which node, which sender). */
  get random(): SeededRng {
    return this.rng
  }

  // ---------------------------------------------------------------- nodes

  /** Adds a node (not yet joined to any topic) and returns its index. */
  addNode(): number {
    const index = this.nodes.length
    const id = String(index)
    this.nodes.push({
      index,
      id,
      state: this.newState(id, index, 0),
      alive: true,
      incarnation: 0,
      connections: new Map(),
      group: 0,
      messagesSent: 0,
      bytesSent: 0,
      messagesReceived: 0,
      cpu: this.options.cpu,
      busyUntilMs: 0,
      maxLagMs: 0,
      neighborDowns: 0,
    })
    return index
  }

  /** Adds `count` nodes (see `addNode`) and returns their indices. */
  addNodes(count: number): number[] {
    const added: number[] = []
    for (let i = 0; i < count; i++) added.push(this.addNode())
    return added
  }

  private newState(id: PeerId, index: number, incarnation: number): ProtocolState {
    const rng = new SeededRng(this.seed, index * 64 + incarnation + 1)
    return new ProtocolState(id, rng, this.options.config ?? {})
  }

  /** The nodes that are alive now. */
  liveNodes(): SimNode[] {
    return this.nodes.filter((n) => n.alive)
  }

  /** Makes `node` join `topic` through the given contacts, now. */
  join(node: number, contacts: readonly number[], topic: TopicId = SIM_TOPIC): void {
    this.command(node, topic, { type: 'join', peers: contacts.map((c) => ({ id: this.nodeAt(c).id })) })
  }

  /** Broadcasts `content` from `node` now and records it in the log; returns the id. */
  broadcast(node: number, content: Uint8Array, scope: BroadcastScope = 'swarm', topic: TopicId = SIM_TOPIC): MessageId {
    const id = this.nextMessageId()
    this.log.start(id, node, this.nowMs, this.liveCount(), this.nodes.length)
    this.command(node, topic, { type: 'broadcast', content, scope, id })
    return id
  }

  /** Hands `command` for `topic` to live node `node` now; throws if the node is dead. */
  command(node: number, topic: TopicId, command: TopicCommand): void {
    const target = this.nodeAt(node)
    if (!target.alive) throw new HearsayError('ERR_SIMULATION', `node ${node} is not alive`)
    this.step(target, { type: 'command', topic, command })
  }

  /**
   * Crashes `node`: its state is lost; peers with a connection notice after the link
   * latency, or, for a silent failure (an unplugged host: no reset reaches anyone), after
   * the link latency plus `detectDelayMs(peer)`: when that peer's keepalive deadline runs out.
   */
  crash(node: number, detectDelayMs?: (peer: number) => number): void {
    const target = this.nodeAt(node)
    if (!target.alive) return
    const life = target.incarnation
    target.alive = false
    target.incarnation++
    for (const peer of target.connections.keys()) {
      const other = this.nodeAt(peer)
      if (other.alive && other.connections.get(node) === life) {
        this.push({
          timeMs: this.nowMs + this.linkLatency(node, peer) + (detectDelayMs?.(peer) ?? 0),
          seq: 0,
          kind: 'failure',
          node: peer,
          incarnation: other.incarnation,
          peer: node,
          peerIncarnation: life,
        })
      }
    }
    target.connections.clear()
  }

  /** Restarts a crashed node with the same id and fresh state; it joins through `contacts`. */
  restart(node: number, contacts: readonly number[], topic: TopicId = SIM_TOPIC): void {
    const target = this.nodeAt(node)
    if (target.alive) return
    target.alive = true
    target.incarnation++
    target.state = this.newState(target.id, node, target.incarnation)
    this.join(node, contacts, topic)
  }

  /** Splits the network: `groupOf(index)` names each node's side. Open cross links fail. */
  partition(groupOf: (index: number) => number): void {
    for (const node of this.nodes) node.group = groupOf(node.index)
    for (const node of this.nodes) {
      if (!node.alive) continue
      for (const [peer, life] of [...node.connections]) {
        if (this.nodeAt(peer).group === node.group) continue
        this.push({
          timeMs: this.nowMs + this.linkLatency(node.index, peer),
          seq: 0,
          kind: 'failure',
          node: node.index,
          incarnation: node.incarnation,
          peer,
          peerIncarnation: life,
        })
      }
    }
  }

  /** Gives `node` its own CPU model (a slow device), or none. */
  setCpu(node: number, cpu: CpuModel | undefined): void {
    this.nodeAt(node).cpu = cpu
  }

  /** Changes message loss and jitter from now on (messages in flight keep their delay). */
  setLinkFaults(faults: { lossRate?: number; jitterMs?: number }): void {
    if (faults.lossRate !== undefined) this.lossRate = faults.lossRate
    if (faults.jitterMs !== undefined) this.jitterMs = faults.jitterMs
  }

  /** Removes every partition. */
  heal(): void {
    for (const node of this.nodes) node.group = 0
  }

  /**
   * Sends `message` from `from` to `to` as if `from`'s core had asked for it (a
   * misbehaving peer, scripted by a scenario); `from`'s own state never sees it.
   */
  sendAs(from: number, to: number, message: TopicMessage, topic: TopicId = SIM_TOPIC): void {
    const sender = this.nodeAt(from)
    if (!sender.alive) throw new HearsayError('ERR_SIMULATION', `node ${from} is not alive`)
    this.send(sender, to, topic, message)
  }

  /** Runs `fn` at virtual time `atMs` (scenario scripting). */
  at(atMs: number, fn: () => void): void {
    this.push({ timeMs: Math.max(atMs, this.nowMs), seq: 0, kind: 'call', fn })
  }

  // ---------------------------------------------------------------- running

  /** Runs every event up to and including virtual time `untilMs`. */
  runUntil(untilMs: number): void {
    for (;;) {
      const next = this.heap.peek()
      if (next === undefined || next.timeMs > untilMs) break
      this.heap.pop()
      this.nowMs = next.timeMs
      this.dispatch(next)
    }
    this.nowMs = Math.max(this.nowMs, untilMs)
  }

  /** Runs every event in the next `durationMs` of virtual time. */
  runFor(durationMs: number): void {
    this.runUntil(this.nowMs + durationMs)
  }

  /**
   * Runs until no membership message is in flight (JOIN, NEIGHBOR, DISCONNECT, ...),
   * so view symmetry can be judged. Returns false if that did not happen by `maxMs`.
   */
  runUntilMembershipQuiet(maxMs: number): boolean {
    return this.runWhile(() => this.membershipInFlight > 0, maxMs)
  }

  /** Runs until every broadcast in the log has reached every live node, or `maxMs` passes. */
  runUntilDelivered(maxMs: number, ids: readonly MessageId[]): boolean {
    const live = this.liveCount()
    const records = ids.map((id) => this.log.get(id)).filter((r) => r !== undefined)
    // Checked after every event: a plain loop, no callback per check.
    const busy = (): boolean => {
      for (let i = 0; i < records.length; i++) if (!(records[i] as BroadcastRecord).complete(this.nodes, live)) return true
      return false
    }
    return this.runWhile(busy, maxMs)
  }

  /**
   * Runs events while `busy()` holds; true once it stops holding, false if the queue
   * empties or the next event lies more than `maxMs` ahead of the start.
   */
  runWhile(busy: () => boolean, maxMs: number): boolean {
    const limit = this.nowMs + maxMs
    while (busy()) {
      const next = this.heap.peek()
      if (next === undefined || next.timeMs > limit) return false
      this.heap.pop()
      this.nowMs = next.timeMs
      this.dispatch(next)
    }
    return true
  }

  // ---------------------------------------------------------------- internals

  /**
   * Queues `event` while its node is busy or has others waiting (CPU model), in arrival
   * order, as a process handles its sockets and timers; true if it was queued.
   */
  private deferred(event: Exclude<SimEvent, { kind: 'call' | 'drain' }>): boolean {
    const node = this.nodes[event.kind === 'deliver' ? event.to : event.node] as SimNode
    if (node.cpu === undefined) return false
    let queue = this.queues.get(node.index)
    if (node.busyUntilMs <= this.nowMs && (queue === undefined || queue.length === 0)) return false
    if (queue === undefined) {
      queue = []
      this.queues.set(node.index, queue)
    }
    queue.push({ event, dueMs: this.nowMs })
    this.wake(node)
    return true
  }

  private wake(node: SimNode): void {
    if (this.draining.has(node.index) || (this.queues.get(node.index)?.length ?? 0) === 0) return
    this.draining.add(node.index)
    this.push({ timeMs: Math.max(this.nowMs, node.busyUntilMs), seq: 0, kind: 'drain', node: node.index })
  }

  private drain(node: SimNode): void {
    this.draining.delete(node.index)
    const next = this.queues.get(node.index)?.shift()
    if (next === undefined) return
    node.maxLagMs = Math.max(node.maxLagMs, this.nowMs - next.dueMs)
    this.handleEvent(next.event)
    this.wake(node)
  }

  private dispatch(event: SimEvent): void {
    if (event.kind === 'drain') return this.drain(this.nodes[event.node] as SimNode)
    if (event.kind !== 'call' && this.deferred(event)) return
    this.handleEvent(event)
  }

  private handleEvent(event: Exclude<SimEvent, { kind: 'drain' }>): void {
    switch (event.kind) {
      case 'deliver': {
        if (MEMBERSHIP_TYPES.has(event.message.type)) this.membershipInFlight--
        const target = this.nodes[event.to] as SimNode
        const sender = this.nodes[event.from] as SimNode
        if (!target.alive || target.incarnation !== event.toIncarnation) {
          // Sent to a life that has ended: lost; the sender (if still that life) learns it.
          if (sender.alive && sender.incarnation === event.fromIncarnation) this.reportFailure(event.from, event.to)
          return
        }
        const held = target.connections.get(event.from)
        if (held === undefined || held < event.fromIncarnation) target.connections.set(event.from, event.fromIncarnation)
        target.messagesReceived++
        if (target.cpu !== undefined) {
          const { receiveMs, verifyMs, connectMs } = target.cpu
          this.charge(target, receiveMs + (event.message.type === 'gossip' ? verifyMs : 0) + (held === undefined ? connectMs : 0))
        }
        this.step(target, { type: 'message', from: sender.id, topic: event.topic, message: event.message })
        if (sender.incarnation !== event.fromIncarnation) {
          // The sender's life that sent this has ended: the connection it came over resets.
          this.push({
            timeMs: this.nowMs + this.linkLatency(event.from, event.to),
            seq: 0,
            kind: 'failure',
            node: event.to,
            incarnation: target.incarnation,
            peer: event.from,
            peerIncarnation: event.fromIncarnation,
          })
        }
        return
      }
      case 'timer': {
        const target = this.nodes[event.node] as SimNode
        if (!target.alive || target.incarnation !== event.incarnation) return
        this.step(target, { type: 'timer', timer: event.timer })
        return
      }
      case 'failure': {
        const target = this.nodes[event.node] as SimNode
        if (!target.alive || target.incarnation !== event.incarnation) return
        if (event.peerIncarnation !== undefined && target.connections.get(event.peer) !== event.peerIncarnation) return
        target.connections.delete(event.peer)
        this.step(target, { type: 'peerDisconnected', peer: (this.nodes[event.peer] as SimNode).id })
        return
      }
      case 'call':
        event.fn()
        return
    }
  }

  private step(node: SimNode, event: InEvent): void {
    let actions: Action[]
    try {
      actions = node.state.handle(event, this.nowMs)
      if (this.check) checkInvariants(node.state)
    } catch (err) {
      if (err instanceof SimulationError) throw err
      const message = err instanceof Error ? err.message : String(err)
      throw new SimulationError(
        `simulation failed at t=${this.nowMs} ms, step ${this.steps}, node ${node.index}: ${message}`,
        this.seed,
        this.options.replayCommand,
        err,
      )
    }
    this.steps++
    for (const action of actions) this.perform(node, action)
  }

  /** Adds `costMs` of work to `node`'s CPU, from now or from when it gets free. */
  private charge(node: SimNode, costMs: number): void {
    if (costMs <= 0) return
    node.busyUntilMs = Math.max(node.busyUntilMs, this.nowMs) + costMs
  }

  private perform(node: SimNode, action: Action): void {
    switch (action.type) {
      case 'send':
        if (node.cpu !== undefined) {
          this.charge(node, node.cpu.sendMs + (node.connections.has(Number(action.to)) ? 0 : node.cpu.connectMs))
        }
        return this.send(node, Number(action.to), action.topic, action.message)
      case 'schedule':
        this.push({ timeMs: this.nowMs + action.delayMs, seq: 0, kind: 'timer', node: node.index, incarnation: node.incarnation, timer: action.timer })
        return
      case 'emit':
        if (action.event.type === 'received') {
          this.log.delivered(action.event.id, node.index, this.nowMs, action.event.hops)
        } else if (action.event.type === 'neighborDown') {
          node.neighborDowns++
        }
        return
      case 'peerData':
        return
      case 'disconnect':
        node.connections.delete(Number(action.peer))
        return
    }
  }

  private send(node: SimNode, to: number, topic: TopicId, message: TopicMessage): void {
    this.sentByType.set(message.type, (this.sentByType.get(message.type) ?? 0) + 1)
    node.messagesSent++
    node.bytesSent += approxWireBytes(message)
    if (message.type === 'gossip') this.log.payloadSent(message.id)
    const target = this.nodes[to]
    if (target === undefined || !target.alive || target.group !== node.group) {
      this.reportFailure(node.index, to)
      return
    }
    const held = node.connections.get(to)
    if (held !== undefined && held !== target.incarnation) {
      // The connection leads to an earlier life of `to`: the send fails.
      this.reportFailure(node.index, to)
      return
    }
    if (this.lossRate > 0 && this.rng.nextFloat() < this.lossRate) return
    node.connections.set(to, target.incarnation)
    let delayMs = this.linkLatency(node.index, to)
    if (this.jitterMs > 0) delayMs += this.rng.nextFloat() * this.jitterMs
    if (MEMBERSHIP_TYPES.has(message.type)) this.membershipInFlight++
    this.push({
      timeMs: this.nowMs + delayMs,
      seq: 0,
      kind: 'deliver',
      from: node.index,
      fromIncarnation: node.incarnation,
      to,
      toIncarnation: target.incarnation,
      topic,
      message,
    })
  }

  /** `from` learns, one round trip later, that its link to `to` failed. */
  private reportFailure(from: number, to: number): void {
    const sender = this.nodes[from]
    if (sender === undefined || !sender.alive) return
    sender.connections.delete(to)
    const detectMs = 2 * this.linkLatency(from, to)
    this.push({ timeMs: this.nowMs + detectMs, seq: 0, kind: 'failure', node: from, incarnation: sender.incarnation, peer: to })
  }

  private push(event: SimEvent): void {
    event.seq = this.seq++
    this.heap.push(event)
  }

  /** Fixed latency of the link between `a` and `b`, derived from the seed. */
  linkLatency(a: number, b: number): number {
    const lo = a < b ? a : b
    const hi = a < b ? b : a
    let h = Math.imul(lo ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(hi + 0x7f4a7c15, 0xc2b2ae35) ^ this.seed
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
    h = (h ^ (h >>> 16)) >>> 0
    return this.minLatencyMs + Math.round((h / 0x1_0000_0000) * this.latencySpanMs)
  }

  private nodeAt(index: number): SimNode {
    const node = this.nodes[index]
    if (node === undefined) throw new HearsayError('ERR_SIMULATION', `no node ${index}`)
    return node
  }

  /** How many nodes are alive now. */
  liveCount(): number {
    let count = 0
    for (const node of this.nodes) if (node.alive) count++
    return count
  }

  private messageCounter = 0
  private nextMessageId(): MessageId {
    this.messageCounter++
    return (this.seed >>> 0).toString(16).padStart(8, '0') + this.messageCounter.toString(16).padStart(56, '0')
  }
}
