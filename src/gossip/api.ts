/**
 * The public node API: `createNode()`, `Node` and `Topic`, in the spirit of
 * iroh-gossip's, with what its users asked for: unique ids per broadcast, signed
 * authorship, a clear error for oversized broadcasts, a `lagged` event instead of
 * unbounded buffering, and DISCONNECT on leave so neighbors repair at once.
 */
import { randomBytes } from 'node:crypto'
import { networkInterfaces } from 'node:os'
import { logger } from '@libp2p/logger'
import { HearsayError } from '../errors.js'
import { resolveConfig, type ProtocolConfigInput } from './proto/config.js'
import type { NeighborDownReason } from './proto/io.js'
import { SeededRng } from './proto/rng.js'
import { ProtocolState } from './proto/state.js'
import type { BroadcastScope } from './proto/types.js'
import { parseAddress, formatAddress } from '../transport/address.js'
import { identityFromSecretKey, generateIdentity, loadOrCreateKeyFile, type NodeIdentity } from '../transport/keys.js'
import { TcpTransport } from '../transport/tcp.js'
import type { TransportOptions } from '../transport/options.js'
import type { Transport, TransportCounters } from '../transport/types.js'
import type { NodeAddr } from '../ticket/node-addr.js'
import { resolveWireLimits } from './wire.js'
import { encodeAddrs, validAddrs } from './driver/address-book.js'
import { systemClock, type Clock } from './driver/clock.js'
import { ENVELOPE_OVERHEAD_BYTES, EnvelopeSigner } from './driver/envelope.js'
import { EventQueue } from './driver/event-queue.js'
import { DEFAULT_UNUSED_LINK_TIMEOUT_MS, NodeDriver, type DriverStats, type DriverTopicEvent } from './driver/node-driver.js'

/** What a topic's `events()` yields. */
export type GossipEvent =
  | {
      readonly type: 'received'
      /** The broadcast payload. */
      readonly content: Uint8Array
      /** Node id of the original author (verified by signature). */
      readonly author: string
      /** The neighbor that handed it to us. */
      readonly deliveredBy: string
      /** Unique id of this broadcast (64 hex). */
      readonly id: string
      /** Hops from the author. */
      readonly hops: number
      readonly scope: BroadcastScope
    }
  | { readonly type: 'neighborUp'; readonly peer: string }
  | { readonly type: 'neighborDown'; readonly peer: string; readonly reason: NeighborDownReason }
  /** This iterator fell behind and `missed` events were dropped for it. */
  | { readonly type: 'lagged'; readonly missed: number }

export interface NodeOptions {
  /** 32-byte Ed25519 secret key (seed). Default: a new random identity. */
  secretKey?: Uint8Array
  /** Load the identity from this file, or create it there (mode 0600) if missing. */
  keyFile?: string
  /**
   * 'host:port' to listen on; port 0 picks a free port.
   * @default '0.0.0.0:0'
   */
  listen?: string
  /** Protocol parameters (see ProtocolConfigInput). */
  config?: ProtocolConfigInput
  /**
   * Largest broadcast payload; larger ones are refused at the call site.
   * @default 4096
   */
  maxMessageBytes?: number
  /** Events buffered per `events()` iterator before `lagged`. @default 1024 */
  eventBufferSize?: number
  /**
   * Transport options (timeouts, connection caps, per-peer inbound rate limits
   * `inboundFramesPerSecond` / `inboundFrameBurst` / `inboundBytesPerSecond` /
   * `inboundByteBurst` / `rateLimitGraceMs`); see TransportOptions and SECURITY.md.
   */
  transportOptions?: Partial<TransportOptions>
  /** Use this transport instead of TCP (e.g. MemoryTransport in tests); `listen` is then ignored. */
  transport?: Transport
  /** Clock for the protocol timers (a VirtualClock in tests). @default the system clock */
  clock?: Clock
  /** Seed for the protocol's random choices. Default: random. */
  rngSeed?: number
  /**
   * A link no topic uses (not a neighbor, no pending request) is closed after this long,
   * so an authenticated peer that never joins a topic cannot hold a connection slot.
   * @default 30_000
   */
  unusedLinkTimeoutMs?: number
}

/**
 * `node.stats()`: the driver's counters, the bytes written to / read from sockets, and
 * the transport's counters of misbehaving peers (rate-limited frames, connections
 * dropped by error code, refused inbound sockets).
 */
export interface NodeStats extends DriverStats, TransportCounters {
  bytesWritten: number
  bytesRead: number
}

export interface SubscribeOptions {
  /** Peers to join through; empty means: wait to be joined (or found by mDNS). */
  bootstrap?: readonly NodeAddr[]
}

export interface JoinedOptions {
  signal?: AbortSignal
  /** Reject after this long. @default 30_000 */
  timeoutMs?: number
}

const DEFAULT_MAX_MESSAGE_BYTES = 4096

/**
 * Creates and starts a node: loads or makes its identity, listens, and is ready to
 * `subscribe()`.
 *
 * @example
 * ```ts
 * const node = await createNode({ listen: '127.0.0.1:0' })
 * const topic = node.subscribe(topicId, { bootstrap: [otherNode.addr()] })
 * await topic.joined()
 * await topic.broadcast(new TextEncoder().encode('hello'))
 * for await (const event of topic.events()) if (event.type === 'received') console.log(event.content)
 * ```
 */
export async function createNode(options: NodeOptions = {}): Promise<Node> {
  const identity = await resolveIdentity(options)
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 1) {
    throw new HearsayError('ERR_INVALID_CONFIG', `maxMessageBytes must be a positive integer, got ${String(maxMessageBytes)}`)
  }
  const envelopeBytes = maxMessageBytes + ENVELOPE_OVERHEAD_BYTES
  const config = resolveConfig({
    ...options.config,
    broadcast: { ...options.config?.broadcast, maxMessageBytes: envelopeBytes },
  })
  let transport = options.transport
  if (transport === undefined) {
    transport = await TcpTransport.create({ identity, ...options.transportOptions })
    try {
      await transport.listen(options.listen ?? '0.0.0.0:0')
    } catch (err) {
      await transport.close()
      throw err
    }
  } else if (transport.localId !== identity.peerId) {
    throw new HearsayError('ERR_INVALID_CONFIG', 'the given transport belongs to another identity')
  }
  const unusedLinkTimeoutMs = options.unusedLinkTimeoutMs ?? DEFAULT_UNUSED_LINK_TIMEOUT_MS
  if (!Number.isFinite(unusedLinkTimeoutMs) || unusedLinkTimeoutMs <= 0) {
    throw new HearsayError('ERR_INVALID_CONFIG', `unusedLinkTimeoutMs must be a positive number, got ${String(unusedLinkTimeoutMs)}`)
  }
  const seed = options.rngSeed ?? randomBytes(6).readUIntBE(0, 6)
  return new Node(identity, transport, config, {
    clock: options.clock ?? systemClock,
    rng: new SeededRng(seed),
    maxMessageBytes,
    eventBufferSize: options.eventBufferSize ?? 1024,
    wireContentBytes: envelopeBytes,
    unusedLinkTimeoutMs,
  })
}

async function resolveIdentity(options: NodeOptions): Promise<NodeIdentity> {
  if (options.secretKey !== undefined && options.keyFile !== undefined) {
    throw new HearsayError('ERR_INVALID_CONFIG', 'give either secretKey or keyFile, not both')
  }
  if (options.secretKey !== undefined) return identityFromSecretKey(options.secretKey)
  if (options.keyFile !== undefined) return (await loadOrCreateKeyFile(options.keyFile)).identity
  return generateIdentity()
}

interface NodeInternals {
  clock: Clock
  rng: SeededRng
  maxMessageBytes: number
  eventBufferSize: number
  wireContentBytes: number
  unusedLinkTimeoutMs: number
}

/** A running hearsay node. One per identity; it can join many topics. */
export class Node {
  /** This node's id (64 hex chars of its Ed25519 public key). */
  readonly id: string
  private readonly driver: NodeDriver
  private readonly signer: EnvelopeSigner
  private readonly topics = new Map<string, Topic>()
  private closed = false

  /** @internal use createNode() */
  constructor(
    identity: NodeIdentity,
    private readonly transport: Transport,
    config: ReturnType<typeof resolveConfig>,
    private readonly internals: NodeInternals,
  ) {
    this.id = identity.peerId
    this.signer = new EnvelopeSigner(identity.secretKey, identity.publicKey)
    const state = new ProtocolState(identity.peerId, internals.rng, config)
    this.driver = new NodeDriver({
      state,
      transport,
      clock: internals.clock,
      wireLimits: resolveWireLimits({ maxContentBytes: internals.wireContentBytes }),
      onTopicEvent: (topic, event) => this.topics.get(topic)?.dispatch(event),
      log: logger(`hearsay:node:${identity.peerId.slice(0, 8)}`),
      unusedLinkTimeoutMs: internals.unusedLinkTimeoutMs,
    })
    this.driver.setLocalData(encodeAddrs(this.addr().addrs))
  }

  /** Our id and the addresses peers can dial us at. */
  addr(): NodeAddr {
    return { id: this.id, addrs: advertisedAddrs(this.transport.listenAddrs) }
  }

  /** Largest payload `broadcast()` accepts. */
  get maxMessageBytes(): number {
    return this.internals.maxMessageBytes
  }

  /**
   * Joins `topic` (64 hex chars or 32 bytes) through `bootstrap` peers and returns its
   * handle. Throws if already subscribed or closed.
   */
  subscribe(topic: string | Uint8Array, options: SubscribeOptions = {}): Topic {
    this.assertOpen()
    const topicId = normalizeTopicId(topic)
    if (this.topics.has(topicId)) {
      throw new HearsayError('ERR_ALREADY_SUBSCRIBED', `already subscribed to topic ${topicId.slice(0, 8)}`)
    }
    const peers = (options.bootstrap ?? []).filter((p) => p.id !== this.id)
    for (const peer of peers) this.addPeer(peer)
    const handle = new Topic(this, topicId, this.internals.eventBufferSize)
    this.topics.set(topicId, handle)
    this.driver.command(topicId, { type: 'join', peers: peers.map(peerInfoOf) })
    return handle
  }

  /** Remembers where `peer` can be dialed (from a ticket, mDNS, ...). */
  addPeer(peer: NodeAddr): void {
    if (peer.id === this.id) return
    this.driver.addressBook.set(peer.id, validAddrs(peer.addrs))
  }

  /** Where `peer` can be dialed, as far as this node knows (e.g. a neighbor, for a ticket). */
  peerAddr(peer: string): NodeAddr | undefined {
    const addrs = this.driver.addressBook.get(peer)
    return addrs.length === 0 ? undefined : { id: peer, addrs }
  }

  /** Counters: frames, forged messages dropped, queue overflows, failed dials, socket bytes. */
  stats(): Readonly<NodeStats> {
    const bytes = this.transport.byteCounts?.() ?? { bytesWritten: 0, bytesRead: 0 }
    const peers = this.transport.counters?.() ?? { rateLimitedFrames: 0, peerErrors: {}, inboundRefused: 0, openConnections: 0, pendingHandshakes: 0 }
    return { ...this.driver.stats, ...bytes, ...peers }
  }

  /** Leaves every topic (neighbors are told at once), then closes all connections. */
  async close(): Promise<void> {
    if (this.closed) return
    for (const topic of [...this.topics.values()]) topic.leaveNow()
    this.closed = true
    this.driver.stop()
    await this.transport.close()
  }

  /**
   * Stops at once without telling anyone, as a crash would: connections drop and
   * neighbors find out from the failure. For tests and emergency shutdown.
   */
  async abort(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.driver.stop()
    for (const topic of this.topics.values()) topic.endEvents()
    this.topics.clear()
    await this.transport.abort()
  }

  /** @internal */
  runCommand(topic: string, command: Parameters<NodeDriver['command']>[1]): void {
    this.assertOpen()
    this.driver.command(topic, command)
  }

  /** @internal */
  seal(topic: string, payload: Uint8Array): { envelope: Uint8Array; id: string } {
    if (!(payload instanceof Uint8Array)) {
      throw new HearsayError('ERR_INVALID_MESSAGE', 'broadcast content must be a Uint8Array')
    }
    if (payload.length > this.internals.maxMessageBytes) {
      throw new HearsayError(
        'ERR_MESSAGE_TOO_LARGE',
        `broadcast of ${payload.length} bytes exceeds the maximum of ${this.internals.maxMessageBytes} bytes (maxMessageBytes)`,
      )
    }
    return this.signer.seal(topic, payload)
  }

  /** @internal */
  forget(topic: string): void {
    this.topics.delete(topic)
  }

  /** @internal */
  protocolSizes(topic: string) {
    return this.driver.protocolSizes(topic)
  }

  /** @internal */
  activeNeighbors(topic: string): string[] {
    return this.driver.neighbors(topic)
  }

  private assertOpen(): void {
    if (this.closed) throw new HearsayError('ERR_NODE_CLOSED', 'the node is closed')
  }
}

/** One subscribed topic. */
export class Topic {
  private readonly queues = new Set<EventQueue<GossipEvent>>()
  private readonly joinWaiters = new Set<() => void>()
  private left = false

  /** @internal use Node.subscribe() */
  constructor(
    private readonly node: Node,
    /** Topic id, 64 hex chars. */
    readonly id: string,
    private readonly eventBufferSize: number,
  ) {}

  /**
   * Broadcasts `content` to everyone in the topic, signed by this node. Throws
   * `ERR_MESSAGE_TOO_LARGE` for content over `node.maxMessageBytes`. Resolves with the
   * broadcast's id once it is handed to the network.
   */
  async broadcast(content: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<string> {
    return this.send(content, 'swarm', options.signal)
  }

  /** Sends `content` to the direct neighbors only (not forwarded further). */
  async broadcastNeighbors(content: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<string> {
    return this.send(content, 'neighbors', options.signal)
  }

  /**
   * Joins through more peers (e.g. found by mDNS after subscribing): each is sent a
   * JOIN and remembered for re-joining later.
   */
  joinPeers(peers: readonly NodeAddr[]): void {
    if (this.left) throw new HearsayError('ERR_TOPIC_LEFT', 'the topic was left')
    const others = peers.filter((p) => p.id !== this.node.id)
    for (const peer of others) this.node.addPeer(peer)
    this.node.runCommand(this.id, { type: 'join', peers: others.map(peerInfoOf) })
  }

  /**
   * Current sizes of the topic's capped protocol state: views, pending requests, seen
   * ids, cached messages, missing announcements, queued IHAVEs (see the caps in README).
   */
  protocolStats() {
    return this.node.protocolSizes(this.id)
  }

  /** Current neighbors (active view). */
  neighbors(): string[] {
    return this.left ? [] : this.node.activeNeighbors(this.id)
  }

  /**
   * Resolves once this topic has at least one neighbor. Rejects with `ERR_TIMEOUT`
   * after `timeoutMs`, `ERR_ABORTED` on abort, `ERR_TOPIC_LEFT` when left first.
   */
  joined(options: JoinedOptions = {}): Promise<void> {
    if (this.neighbors().length > 0) return Promise.resolve()
    if (this.left) return Promise.reject(new HearsayError('ERR_TOPIC_LEFT', 'the topic was left'))
    const timeoutMs = options.timeoutMs ?? 30_000
    return new Promise<void>((resolve, reject) => {
      const signal = options.signal
      const finish = (error?: HearsayError) => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        this.joinWaiters.delete(onUp)
        if (error === undefined) resolve()
        else reject(error)
      }
      const onUp = () => finish(this.left ? new HearsayError('ERR_TOPIC_LEFT', 'the topic was left') : undefined)
      const onAbort = () => finish(new HearsayError('ERR_ABORTED', 'joined() was aborted'))
      const timer = setTimeout(
        () => finish(new HearsayError('ERR_TIMEOUT', `no neighbor joined topic ${this.id.slice(0, 8)} within ${timeoutMs} ms`)),
        timeoutMs,
      )
      if (signal?.aborted === true) {
        onAbort()
        return
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.joinWaiters.add(onUp)
    })
  }

  /**
   * Events of this topic as an async iterable: received messages, neighbor up/down and
   * `lagged`. Each call returns an independent iterator with its own bounded buffer
   * (`bufferSize`, default the node's `eventBufferSize`); it ends when the topic is left
   * or the node closes.
   */
  events(options: { bufferSize?: number } = {}): AsyncIterableIterator<GossipEvent> {
    const queue: EventQueue<GossipEvent> = new EventQueue<GossipEvent>(
      options.bufferSize ?? this.eventBufferSize,
      (missed) => ({ type: 'lagged', missed }),
      () => this.queues.delete(queue),
    )
    if (this.left) queue.end()
    else this.queues.add(queue)
    return queue
  }

  /** Leaves the topic: neighbors are told at once (DISCONNECT) and repair. */
  async leave(): Promise<void> {
    this.leaveNow()
  }

  /** @internal */
  leaveNow(): void {
    if (this.left) return
    this.node.runCommand(this.id, { type: 'quit' })
    this.left = true
    this.node.forget(this.id)
    this.endEvents()
  }

  /** @internal */
  endEvents(): void {
    this.left = true
    for (const queue of this.queues) queue.end()
    this.queues.clear()
    for (const waiter of [...this.joinWaiters]) waiter()
  }

  /** @internal */
  dispatch(event: DriverTopicEvent): void {
    const out: GossipEvent =
      event.type === 'received'
        ? {
            type: 'received',
            content: event.message.payload,
            author: event.message.author,
            deliveredBy: event.message.deliveredBy,
            id: event.message.id,
            hops: event.message.hops,
            scope: event.message.scope,
          }
        : event
    for (const queue of this.queues) queue.push(out)
    if (event.type === 'neighborUp') for (const waiter of [...this.joinWaiters]) waiter()
  }

  private async send(content: Uint8Array, scope: BroadcastScope, signal: AbortSignal | undefined): Promise<string> {
    if (signal?.aborted === true) throw new HearsayError('ERR_ABORTED', 'broadcast was aborted')
    if (this.left) throw new HearsayError('ERR_TOPIC_LEFT', 'the topic was left')
    const { envelope, id } = this.node.seal(this.id, content)
    this.node.runCommand(this.id, { type: 'broadcast', content: envelope, scope, id })
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

/** Accepts a topic id as 64 hex chars or 32 bytes. */
export function normalizeTopicId(topic: string | Uint8Array): string {
  if (topic instanceof Uint8Array) {
    if (topic.length !== 32) throw new HearsayError('ERR_INVALID_TOPIC', `a topic id is 32 bytes, got ${topic.length}`)
    return Buffer.from(topic).toString('hex')
  }
  const text = topic.trim().toLowerCase()
  if (!/^[0-9a-f]{64}$/.test(text)) {
    throw new HearsayError('ERR_INVALID_TOPIC', 'a topic id is 64 hex characters (32 bytes)')
  }
  return text
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
  return out.slice(0, 8)
}
