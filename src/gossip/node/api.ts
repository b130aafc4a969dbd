/**
 * The public node API: `createNode()`, `Node` and `Topic`, in the spirit of
 * iroh-gossip's, with what its users asked for: unique ids per broadcast, signed
 * authorship, a clear error for oversized broadcasts, a `lagged` event instead of
 * unbounded buffering, DISCONNECT on leave so neighbors repair at once, and mDNS
 * discovery as an option.
 *
 * Everything that is not API lives in ES private fields (`#`) or in module-level
 * functions, so the shipped declarations show only what callers may use.
 */
import { asTopicId, hexOfBytes, ID_BYTES, parseHexId, shortId, type TopicId } from '../../ids.js'
import { randomBytes } from 'node:crypto'
import { networkInterfaces } from 'node:os'
import { nodeLogs, type Logs } from '../../log.js'
import { startMdnsDiscovery } from '../../discovery/index.js'
import type { MdnsDiscovery, MdnsOptions } from '../../discovery/options.js'
import { HearsayError } from '../../errors.js'
import type { ProtocolConfigInput } from '../proto/config.js'
import type { NeighborDownReason, TopicCommand } from '../proto/io.js'
import { SeededRng } from '../proto/rng.js'
import type { TopicStats } from '../proto/state.js'
import { ProtocolState } from '../proto/state.js'
import type { BroadcastScope } from '../proto/types.js'
import { parseAddress, formatAddress } from '../../transport/address.js'
import { MAX_ADDRS_PER_PEER } from '../../ticket/node-addr.js'
import { identityFromSecretKey, generateIdentity, loadOrCreateKeyFile, type NodeIdentity } from '../../transport/keys.js'
import { TcpTransport } from '../../transport/tcp.js'
import type { TransportOptions } from '../../transport/options.js'
import type { Transport, TransportCounters } from '../../transport/types.js'
import type { NodeAddr } from '../../ticket/node-addr.js'
import { DEFAULT_JOINED_TIMEOUT_MS, DEFAULT_LISTEN_ADDRESS, resolveNodeConfig, type NodeConfig } from './config.js'
import { DiscoveryJoins } from './discovery-joins.js'
import { encodeAddrs, validAddrs } from './address-book.js'
import { systemClock, type Clock } from './virtual-clock.js'
import type { DriverStats } from './driver-stats.js'
import { EnvelopeSigner } from './envelope.js'
import { EventQueue } from './event-queue.js'
import { NodeDriver } from './node-driver.js'
import type { GossipEvent } from './events.js'
import type { AuthorOrderOptions } from './author-order.js'
import type { VerifyBudgetOptions } from './verify-budget.js'
import type { DialGuardOptions } from './dial-guard.js'
import type { ReplayGuardOptions } from './replay-guard.js'

export type { GossipEvent } from './events.js'

/** Options of {@link createNode}. Every field is optional. */
export interface NodeOptions {
  /** 32-byte Ed25519 secret key (seed). Default: a new random identity. */
  secretKey?: Uint8Array
  /** Load the identity from this file, or create it there (mode 0600) if missing. A corrupt file is an error, never replaced. */
  keyFile?: string
  /**
   * 'host:port' to listen on; port 0 picks a free port.
   * @default '0.0.0.0:0'
   */
  listen?: string
  /**
   * Find peers of the same topics on the local network with multicast DNS, and join
   * through them: `true` for the defaults, an object to pin an interface or change the
   * port, service name or interval. Announced ids are pinned in the Noise handshake,
   * so a forged announcement costs one failed dial, never a wrong peer.
   * @default false
   */
  mdns?: boolean | MdnsOptions
  /**
   * Protocol parameters (views, timers, caps), checked when the node is created.
   * `broadcast.maxMessageBytes` is derived from {@link NodeOptions.maxMessageBytes} and
   * may not be set here; an option set to `undefined` takes its default.
   */
  config?: ProtocolConfigInput
  /**
   * Largest broadcast payload; larger ones are refused at the call site.
   * @default 4096
   */
  maxMessageBytes?: number
  /**
   * Events buffered per `events()` iterator before `lagged`.
   * @default 1024
   */
  eventBufferSize?: number
  /**
   * Transport options (timeouts, connection caps, per-peer inbound rate limits
   * `inboundFramesPerSecond` / `inboundFrameBurst` / `inboundBytesPerSecond` /
   * `inboundByteBurst` / `rateLimitGraceMs`); see SECURITY.md.
   */
  transportOptions?: Partial<TransportOptions>
  /** Use this transport instead of TCP (e.g. a `MemoryTransport` from `hearsay/transport` in tests); `listen` is then ignored. */
  transport?: Transport
  /**
   * Clock for the protocol timers (a {@link VirtualClock} in tests).
   * @default the system clock
   */
  clock?: Clock
  /** Seed for the protocol's random choices. Default: random. */
  rngSeed?: number
  /**
   * A link no topic uses (not a neighbor, no pending request) is closed after this long,
   * so an authenticated peer that never joins a topic cannot hold a connection slot.
   * @default 30_000
   */
  unusedLinkTimeoutMs?: number
  /** Dial budget and address policy for peers learned from the network (SECURITY.md; defaults in `dial-guard.ts`). */
  dialGuard?: Partial<DialGuardOptions>
  /** Replay window and delivered-id caps (SECURITY.md; defaults in `replay-guard.ts`). */
  replayGuard?: Partial<ReplayGuardOptions>
  /** Per-peer budget of signature checks (SECURITY.md): 1,000/s, bursts of 5,000, 2 s grace. */
  verifyBudget?: Partial<VerifyBudgetOptions>
  /**
   * Per-author order: how long a message waits for earlier ones of its author (10 s)
   * and how many may wait (1,000 per author, 10,000 per topic; defaults in `author-order.ts`).
   */
  authorOrder?: Partial<AuthorOrderOptions>
}

/**
 * `node.stats()`: the node's counters, the bytes written to / read from sockets, and
 * the transport's counters of misbehaving peers.
 */
export interface NodeStats extends DriverStats, TransportCounters {
  /** Bytes written to sockets. */
  bytesWritten: number
  /** Bytes read from sockets. */
  bytesRead: number
}

/** Sizes of one topic's capped protocol state (`topic.protocolStats()`): HyParView's and Plumtree's, each with a documented cap. */
export type TopicProtocolStats = TopicStats

/** Options of {@link Node.subscribe}. */
export interface SubscribeOptions {
  /** Peers to join through; empty means: wait to be joined (or found by mDNS). */
  bootstrap?: readonly NodeAddr[]
}

/** Options of {@link Topic.joined}. */
export interface JoinedOptions {
  /** Reject with `ERR_ABORTED` when this signal aborts. */
  signal?: AbortSignal
  /**
   * Reject with `ERR_TIMEOUT` after this long.
   * @default 30_000
   */
  timeoutMs?: number
}

/** Options of {@link Topic.broadcast} and {@link Topic.broadcastNeighbors}. */
export interface BroadcastOptions {
  /** Reject with `ERR_ABORTED` if already aborted. */
  signal?: AbortSignal
}

/** Options of {@link Topic.events}. */
export interface EventsOptions {
  /** Events buffered for this iterator before `lagged`. Default: the node's `eventBufferSize`. */
  bufferSize?: number
}

/** Cap on peers found by mDNS remembered with their topics (as many as discovery itself remembers by default). */
const MAX_DISCOVERED = 256

/**
 * Creates and starts a node: loads or makes its identity, listens, starts mDNS when
 * asked, and is ready to `subscribe()`. Close it with `node.close()`, or the process
 * keeps running.
 *
 * @throws ConfigError (`ERR_INVALID_CONFIG`, naming the field) for bad options; KeyFileError
 *   `ERR_KEY_FILE_CORRUPT` / `ERR_KEY_FILE_IO` for a corrupt or unreadable key file;
 *   TransportError `ERR_INVALID_ADDRESS` / `ERR_LISTEN_FAILED` when the address cannot
 *   be listened on; DiscoveryError `ERR_MDNS_START` when mDNS cannot start.
 * @example
 * ```ts
 * const node = await createNode({ listen: '127.0.0.1:0' })
 * const topic = node.subscribe(topicId, { bootstrap: [otherNode.addr()] })
 * await topic.joined()
 * await topic.broadcast(new TextEncoder().encode('hello'))
 * ```
 */
export async function createNode(options: NodeOptions = {}): Promise<Node> {
  const config = resolveNodeConfig(options)
  const mdns = mdnsOptionsOf(options.mdns)
  const identity = await resolveIdentity(options)
  const clock = options.clock ?? systemClock
  const logs = nodeLogs(identity.peerId)
  let transport = options.transport
  if (transport === undefined) {
    transport = await TcpTransport.create({ identity, ...config.transport, clock, logs })
    try {
      await transport.listen(options.listen ?? DEFAULT_LISTEN_ADDRESS)
    } catch (err) {
      await transport.close()
      throw err
    }
  } else if (transport.localId !== identity.peerId) {
    throw new HearsayError('ERR_INVALID_CONFIG', 'the given transport belongs to another identity: create it with the same secretKey')
  }
  const seed = options.rngSeed ?? randomBytes(6).readUIntBE(0, 6)
  const node = nodeInternals.create(identity, transport, config, {
    clock,
    logs,
    rng: new SeededRng(seed),
    dialGuard: options.dialGuard,
    replayGuard: options.replayGuard,
    verifyBudget: options.verifyBudget,
    authorOrder: options.authorOrder,
  })
  if (mdns !== undefined) {
    try {
      await nodeInternals.startMdns(node, mdns)
    } catch (err) {
      await node.close()
      throw err
    }
  }
  return node
}

function mdnsOptionsOf(option: NodeOptions['mdns']): MdnsOptions | undefined {
  if (option === undefined || option === false) return undefined
  if (option === true) return {}
  if (typeof option !== 'object' || option === null) {
    throw new HearsayError('ERR_INVALID_CONFIG', `mdns must be true, false or an object of mDNS options, got ${String(option)}`)
  }
  return option
}

async function resolveIdentity(options: NodeOptions): Promise<NodeIdentity> {
  if (options.secretKey !== undefined && options.keyFile !== undefined) {
    throw new HearsayError('ERR_INVALID_CONFIG', 'give either secretKey or keyFile, not both')
  }
  if (options.secretKey !== undefined) return identityFromSecretKey(options.secretKey)
  if (options.keyFile !== undefined) return (await loadOrCreateKeyFile(options.keyFile)).identity
  return generateIdentity()
}

interface NodeSettings {
  clock: Clock
  /** This node's log scopes (`hearsay:<scope>:<short id>`). */
  logs: Logs
  rng: SeededRng
  dialGuard: Partial<DialGuardOptions> | undefined
  replayGuard: Partial<ReplayGuardOptions> | undefined
  verifyBudget: Partial<VerifyBudgetOptions> | undefined
  authorOrder: Partial<AuthorOrderOptions> | undefined
}

/** What a Topic may ask of its Node (handed to the Topic at creation; not API). */
interface TopicLink {
  readonly nodeId: string
  /** The node's clock, for `joined()`'s timeout. */
  readonly clock: Clock
  run(command: TopicCommand): void
  /** Signs `payload` for this topic; numbered in our stream unless it goes to neighbors only. */
  seal(payload: Uint8Array, scope: BroadcastScope): { envelope: Uint8Array; id: string }
  addPeer(peer: NodeAddr): void
  neighbors(): string[]
  protocolStats(): TopicProtocolStats | undefined
  /** The topic was left: forget it. */
  forget(): void
}

/** Module-private access to Node internals (assigned in Node's static block). */
let nodeInternals: {
  create(identity: NodeIdentity, transport: Transport, config: NodeConfig, settings: NodeSettings): Node
  startMdns(node: Node, options: MdnsOptions): Promise<void>
}

/** Module-private access to Topic internals (assigned in Topic's static block). */
let topicInternals: {
  create(link: TopicLink, id: string, eventBufferSize: number): Topic
  dispatch(topic: Topic, event: GossipEvent): void
  leaveNow(topic: Topic): void
  endEvents(topic: Topic): void
}

/**
 * A running hearsay node, made by {@link createNode}. One per identity; it can join
 * many topics, all over one connection per peer.
 */
export class Node {
  /** This node's id (64 hex chars of its Ed25519 public key). */
  readonly id: string
  readonly #transport: Transport
  readonly #settings: NodeSettings
  readonly #config: NodeConfig
  readonly #driver: NodeDriver
  readonly #signer: EnvelopeSigner
  readonly #topics = new Map<string, Topic>()
  /** Per topic: which peers found by mDNS to join through, and when (discovery-joins.ts). */
  readonly #discoveryJoins = new Map<string, DiscoveryJoins>()
  #discoveryRng: SeededRng | undefined
  /** Peers found by mDNS and the topics they announced, for topics subscribed later. Capacity: MAX_DISCOVERED (least recently heard forgotten first). */
  readonly #discovered = new Map<string, { readonly peer: NodeAddr; readonly topics: readonly string[] }>()
  #discovery: MdnsDiscovery | undefined
  #closed = false

  static {
    nodeInternals = {
      create: (identity, transport, config, settings) => new Node(identity, transport, config, settings),
      startMdns: async (node, options) => {
        node.#discovery = await startMdnsDiscovery({
          logger: node.#settings.logs('mdns'),
          clock: node.#settings.clock,
          ...options,
          self: node.addr(),
          topics: () => [...node.#topics.keys()],
          onPeer: (peer, topics) => node.#onDiscovered(peer, topics),
        })
      },
    }
  }

  private constructor(identity: NodeIdentity, transport: Transport, config: NodeConfig, settings: NodeSettings) {
    this.#config = config
    this.id = identity.peerId
    this.#transport = transport
    this.#settings = settings
    this.#signer = new EnvelopeSigner(identity.secretKey, identity.publicKey)
    const state = new ProtocolState(identity.peerId, settings.rng, config.protocol)
    this.#driver = new NodeDriver({
      state,
      transport,
      clock: settings.clock,
      wireLimits: config.wire,
      onTopicEvent: (topic, event) => {
        const handle = this.#topics.get(topic)
        if (handle !== undefined) topicInternals.dispatch(handle, event)
        if (event.type === 'neighborUp' || event.type === 'neighborDown') this.#discoveryJoins.get(topic)?.neighborsChanged()
      },
      log: settings.logs('node'),
      unusedLinkTimeoutMs: config.unusedLinkTimeoutMs,
      dialGuard: settings.dialGuard,
      replayGuard: settings.replayGuard,
      verifyBudget: settings.verifyBudget,
      authorOrder: settings.authorOrder,
    })
    this.#driver.setLocalData(encodeAddrs(this.addr().addrs))
  }

  /** Our id and the addresses peers can dial us at (a wildcard listen address becomes this machine's addresses). */
  addr(): NodeAddr {
    return { id: this.id, addrs: advertisedAddrs(this.#transport.listenAddrs) }
  }

  /** Largest payload `broadcast()` accepts (the `maxMessageBytes` option). */
  get maxMessageBytes(): number {
    return this.#config.maxMessageBytes
  }

  /**
   * Joins `topic` (64 hex chars or 32 bytes) through `bootstrap` peers and returns its
   * handle at once; `await topic.joined()` waits for the first neighbor.
   *
   * @throws HearsayError `ERR_INVALID_TOPIC`, `ERR_ALREADY_SUBSCRIBED`, `ERR_NODE_CLOSED`.
   */
  subscribe(topic: string | Uint8Array, options: SubscribeOptions = {}): Topic {
    this.#assertOpen()
    const topicId = normalizeTopicId(topic)
    if (this.#topics.has(topicId)) {
      throw new HearsayError('ERR_ALREADY_SUBSCRIBED', `already subscribed to topic ${shortId(topicId)}: use the Topic returned the first time, or leave() it first`)
    }
    const peers = (options.bootstrap ?? []).filter((p) => p.id !== this.id)
    for (const peer of peers) this.addPeer(peer)
    const handle = topicInternals.create(this.#linkFor(topicId), topicId, this.#config.eventBufferSize)
    this.#topics.set(topicId, handle)
    this.#driver.command(topicId, { type: 'join', peers: peers.map(peerInfoOf) })
    for (const { peer, topics } of this.#discovered.values()) if (topics.includes(topicId)) this.#discoveredIn(topicId, peer)
    this.#discovery?.refresh()
    return handle
  }

  /** Remembers where `peer` can be dialed (from a ticket, mDNS, ...). */
  addPeer(peer: NodeAddr): void {
    if (peer.id === this.id) return
    this.#driver.addressBook.set(peer.id, validAddrs(peer.addrs))
  }

  /** Where `peer` can be dialed, as far as this node knows (e.g. a neighbor, for a ticket). */
  peerAddr(peer: string): NodeAddr | undefined {
    const addrs = this.#driver.addressBook.get(peer)
    return addrs.length === 0 ? undefined : { id: peer, addrs }
  }

  /** Counters: frames, forged messages dropped, queue overflows, failed dials, socket bytes, misbehaving peers. */
  stats(): Readonly<NodeStats> {
    const bytes = this.#transport.byteCounts?.() ?? { bytesWritten: 0, bytesRead: 0 }
    const peers = this.#transport.counters?.() ?? { rateLimitedFrames: 0, peerErrors: {}, inboundRefused: 0, openConnections: 0, pendingHandshakes: 0 }
    return { ...this.#driver.stats, ...bytes, ...peers }
  }

  /**
   * Leaves every topic (neighbors are told at once), stops mDNS, then closes all
   * connections. Every `events()` iterator ends. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    for (const topic of [...this.#topics.values()]) topicInternals.leaveNow(topic)
    this.#closed = true
    this.#closeDiscoveryJoins()
    await this.#discovery?.close()
    this.#driver.stop()
    await this.#transport.close()
  }

  /**
   * Stops at once without telling anyone, as a crash would: connections drop and
   * neighbors find out from the failure. For tests and emergency shutdown.
   */
  async abort(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#driver.stop()
    for (const topic of this.#topics.values()) topicInternals.endEvents(topic)
    this.#topics.clear()
    this.#closeDiscoveryJoins()
    await this.#discovery?.close()
    await this.#transport.abort()
  }

  #linkFor(topicId: string): TopicLink {
    return {
      nodeId: this.id,
      clock: this.#settings.clock,
      run: (command) => {
        this.#assertOpen()
        this.#driver.command(topicId, command)
      },
      seal: (payload, scope) => this.#seal(topicId, payload, scope),
      addPeer: (peer) => this.addPeer(peer),
      neighbors: () => this.#driver.neighbors(topicId),
      protocolStats: () => this.#driver.protocolStats(topicId),
      forget: () => {
        this.#topics.delete(topicId)
        this.#discoveryJoins.get(topicId)?.close()
        this.#discoveryJoins.delete(topicId)
        this.#discovery?.refresh()
      },
    }
  }

  #seal(topic: string, payload: Uint8Array, scope: BroadcastScope): { envelope: Uint8Array; id: string } {
    if (!(payload instanceof Uint8Array)) {
      throw new HearsayError('ERR_INVALID_MESSAGE', 'broadcast content must be a Uint8Array (e.g. new TextEncoder().encode(text))')
    }
    if (payload.length > this.#config.maxMessageBytes) {
      throw new HearsayError(
        'ERR_MESSAGE_TOO_LARGE',
        `broadcast of ${payload.length} bytes exceeds the maximum of ${this.#config.maxMessageBytes} bytes: split it, or raise maxMessageBytes on every node`,
      )
    }
    return this.#signer.seal(topic, payload, { numbered: scope === 'swarm' })
  }

  /**
   * A peer announced itself on the LAN: remember its addresses, and in each topic we
   * share with it let the topic's discovery joins decide whether to join through it
   * (only while the topic has no neighbor, one peer at a time: see discovery-joins.ts).
   */
  #onDiscovered(peer: NodeAddr, topics: readonly string[]): void {
    if (this.#closed) return
    this.addPeer(peer)
    this.#discovered.delete(peer.id)
    this.#discovered.set(peer.id, { peer, topics: [...topics] })
    if (this.#discovered.size > MAX_DISCOVERED) this.#discovered.delete(this.#discovered.keys().next().value as string)
    for (const topicId of topics) this.#discoveredIn(topicId, peer)
  }

  #discoveredIn(topicId: string, peer: NodeAddr): void {
    const topic = this.#topics.get(topicId)
    if (topic === undefined) return
    let joins = this.#discoveryJoins.get(topicId)
    if (joins === undefined) {
      this.#discoveryRng ??= new SeededRng(this.#settings.rng.nextU32(), 11)
      joins = new DiscoveryJoins(
        { selfId: this.id, neighbors: () => topic.neighbors(), join: (p) => topic.joinPeers([p]) },
        this.#settings.clock,
        this.#discoveryRng,
      )
      this.#discoveryJoins.set(topicId, joins)
    }
    joins.discovered(peer)
  }

  #closeDiscoveryJoins(): void {
    for (const joins of this.#discoveryJoins.values()) joins.close()
    this.#discoveryJoins.clear()
  }

  #assertOpen(): void {
    if (this.#closed) throw new HearsayError('ERR_NODE_CLOSED', 'the node is closed: create a new one with createNode()')
  }
}

/** One subscribed topic, made by {@link Node.subscribe}. */
export class Topic {
  /** Topic id, 64 hex chars. */
  readonly id: string
  readonly #link: TopicLink
  readonly #eventBufferSize: number
  readonly #queues = new Set<EventQueue<GossipEvent>>()
  readonly #joinWaiters = new Set<() => void>()
  #left = false

  static {
    topicInternals = {
      create: (link, id, eventBufferSize) => new Topic(link, id, eventBufferSize),
      dispatch: (topic, event) => topic.#dispatch(event),
      leaveNow: (topic) => topic.#leaveNow(),
      endEvents: (topic) => topic.#endEvents(),
    }
  }

  private constructor(link: TopicLink, id: string, eventBufferSize: number) {
    this.#link = link
    this.id = id
    this.#eventBufferSize = eventBufferSize
  }

  /**
   * Broadcasts `content` to everyone in the topic, signed by this node. Resolves with
   * the broadcast's id once it is handed to the network.
   *
   * @throws HearsayError `ERR_MESSAGE_TOO_LARGE` for content over `node.maxMessageBytes`,
   *   `ERR_TOPIC_LEFT`, `ERR_NODE_CLOSED`, `ERR_ABORTED`.
   */
  async broadcast(content: Uint8Array, options: BroadcastOptions = {}): Promise<string> {
    return this.#send(content, 'swarm', options.signal)
  }

  /** Sends `content` to the direct neighbors only (not forwarded further). Same errors as {@link Topic.broadcast}. */
  async broadcastNeighbors(content: Uint8Array, options: BroadcastOptions = {}): Promise<string> {
    return this.#send(content, 'neighbors', options.signal)
  }

  /**
   * Joins through more peers (e.g. found after subscribing): each is sent a JOIN and
   * remembered for re-joining later.
   */
  joinPeers(peers: readonly NodeAddr[]): void {
    if (this.#left) throw new HearsayError('ERR_TOPIC_LEFT', 'the topic was left: subscribe() again to rejoin')
    const others = peers.filter((p) => p.id !== this.#link.nodeId)
    for (const peer of others) this.#link.addPeer(peer)
    this.#link.run({ type: 'join', peers: others.map(peerInfoOf) })
  }

  /**
   * Current sizes of the topic's capped protocol state: views, pending requests, seen
   * ids, cached messages, missing announcements, queued IHAVEs. `undefined` once left.
   */
  protocolStats(): TopicProtocolStats | undefined {
    return this.#link.protocolStats()
  }

  /** Current neighbors (active view), as node ids. */
  neighbors(): string[] {
    return this.#left ? [] : this.#link.neighbors()
  }

  /**
   * Resolves once this topic has at least one neighbor. Rejects with `ERR_TIMEOUT`
   * after `timeoutMs`, `ERR_ABORTED` on abort, `ERR_TOPIC_LEFT` when left first.
   */
  joined(options: JoinedOptions = {}): Promise<void> {
    if (this.neighbors().length > 0) return Promise.resolve()
    if (this.#left) return Promise.reject(new HearsayError('ERR_TOPIC_LEFT', 'the topic was left'))
    const timeoutMs = options.timeoutMs ?? DEFAULT_JOINED_TIMEOUT_MS
    const clock = this.#link.clock
    return new Promise<void>((resolve, reject) => {
      const signal = options.signal
      const finish = (error?: HearsayError) => {
        clock.clearTimer(timer)
        signal?.removeEventListener('abort', onAbort)
        this.#joinWaiters.delete(onUp)
        if (error === undefined) resolve()
        else reject(error)
      }
      const onUp = () => finish(this.#left ? new HearsayError('ERR_TOPIC_LEFT', 'the topic was left') : undefined)
      const onAbort = () => finish(new HearsayError('ERR_ABORTED', 'joined() was aborted'))
      const timer = clock.setTimer(
        () =>
          finish(
            new HearsayError(
              'ERR_TIMEOUT',
              `no neighbor joined topic ${shortId(this.id)} within ${timeoutMs} ms: check that a bootstrap peer is running and reachable (run with DEBUG=hearsay:* to see failed dials)`,
            ),
          ),
        timeoutMs,
      )
      if (signal?.aborted === true) {
        onAbort()
        return
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#joinWaiters.add(onUp)
    })
  }

  /**
   * Events of this topic as an async iterable: received messages, neighbor up/down and
   * `lagged`. Each call returns an independent iterator with its own bounded buffer;
   * it ends when the topic is left or the node closes (`break` out of a loop ends it too).
   */
  events(options: EventsOptions = {}): AsyncIterableIterator<GossipEvent> {
    const queue: EventQueue<GossipEvent> = new EventQueue<GossipEvent>(
      options.bufferSize ?? this.#eventBufferSize,
      (missed) => ({ type: 'lagged', missed }),
      () => this.#queues.delete(queue),
    )
    if (this.#left) queue.end()
    else this.#queues.add(queue)
    return queue
  }

  /** Leaves the topic: neighbors are told at once (DISCONNECT) and repair; every `events()` iterator ends. */
  async leave(): Promise<void> {
    this.#leaveNow()
  }

  #leaveNow(): void {
    if (this.#left) return
    this.#link.run({ type: 'quit' })
    this.#left = true
    this.#link.forget()
    this.#endEvents()
  }

  #endEvents(): void {
    this.#left = true
    for (const queue of this.#queues) queue.end()
    this.#queues.clear()
    for (const waiter of [...this.#joinWaiters]) waiter()
  }

  #dispatch(event: GossipEvent): void {
    for (const queue of this.#queues) queue.push(event)
    if (event.type === 'neighborUp') for (const waiter of [...this.#joinWaiters]) waiter()
  }

  async #send(content: Uint8Array, scope: BroadcastScope, signal: AbortSignal | undefined): Promise<string> {
    if (signal?.aborted === true) throw new HearsayError('ERR_ABORTED', 'broadcast was aborted')
    if (this.#left) throw new HearsayError('ERR_TOPIC_LEFT', 'the topic was left: subscribe() again to broadcast')
    const { envelope, id } = this.#link.seal(content, scope)
    this.#link.run({ type: 'broadcast', content: envelope, scope, id })
    return id
  }
}

/**
 * A bootstrap peer as the protocol passes it on: with its addresses as peer data, so
 * nodes that hear of it through us (shuffles, passive views) can dial it too.
 */
function peerInfoOf(peer: NodeAddr): { id: string; data: Uint8Array } {
  return { id: peer.id, data: encodeAddrs(validAddrs(peer.addrs)) }
}

/**
 * Accepts a topic id as 64 hex chars or 32 bytes and returns it as 64 lower-case hex chars.
 *
 * @throws HearsayError `ERR_INVALID_TOPIC` for anything else (to derive an id from a
 *   name, use `topicIdFromName()`).
 */
export function normalizeTopicId(topic: string | Uint8Array): TopicId {
  if (topic instanceof Uint8Array) {
    if (topic.length !== ID_BYTES) throw new HearsayError('ERR_INVALID_TOPIC', `a topic id is ${ID_BYTES} bytes, got ${topic.length}`)
    return asTopicId(hexOfBytes(topic))
  }
  if (typeof topic !== 'string') throw new HearsayError('ERR_INVALID_TOPIC', 'a topic id is a 64-hex-char string or 32 bytes')
  const text = parseHexId(topic)
  if (text === undefined) {
    throw new HearsayError('ERR_INVALID_TOPIC', 'a topic id is 64 hex characters (32 bytes): use topicIdFromName() to derive one from a name')
  }
  return asTopicId(text)
}

/** The addresses to advertise for our listen addresses (a wildcard host becomes the machine's addresses). */
function advertisedAddrs(listenAddrs: readonly string[]): string[] {
  const out: string[] = []
  for (const addr of listenAddrs) {
    const { host, port } = parseAddress(addr)
    if (host !== '0.0.0.0' && host !== '::') {
      out.push(addr)
      continue
    }
    for (const infos of Object.values(networkInterfaces())) {
      for (const info of infos ?? []) {
        if (host === '0.0.0.0' && info.family !== 'IPv4') continue
        if (info.family === 'IPv6' && info.scopeid !== undefined && info.scopeid !== 0) continue
        out.push(formatAddress(info.address, port))
      }
    }
  }
  return out.slice(0, MAX_ADDRS_PER_PEER)
}
