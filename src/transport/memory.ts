/**
 * In-memory transport for driver tests: the same `Transport` contract, connection
 * bookkeeping and framing as the TCP transport, over in-process byte pipes instead of
 * Noise-secured sockets. Identities are taken on trust (a listener is registered under
 * its node id, and dialing checks it), so no keys are needed.
 *
 * Pipes deliver asynchronously (setImmediate), apply backpressure after
 * `MEMORY_PIPE_HIGH_WATER_BYTES` in flight, support half-close, and a destroyed side
 * resets the other, like TCP.
 */
import { asNodeId, isHexId, type NodeId } from '../ids.js'
import { formatAddress, parseAddress } from './address.js'
import { BaseTransport, type TransportEnv } from './base.js'
import type { ByteChannel, ByteChannelEvents } from './channel.js'
import { TransportError } from './errors.js'
import { resolveTransportOptions, type TransportOptions } from './options.js'

/** Bytes a pipe direction holds undelivered before `write()` returns false. */
export const MEMORY_PIPE_HIGH_WATER_BYTES = 65_536

/** A namespace of in-memory listeners: transports on one network can reach each other. */
export class MemoryNetwork {
  private readonly listeners = new Map<string, MemoryTransport>()
  private nextPort = 1
  private nextEphemeralPort = 49_152

  /** Creates a transport for node `localId` on this network. */
  createTransport(localId: string, options: Partial<TransportOptions> = {}, env: TransportEnv = {}): MemoryTransport {
    return new MemoryTransport(this, localId, options, env)
  }

  /** @internal */
  bind(addr: string, transport: MemoryTransport): string {
    const { host, port } = parseAddress(addr)
    let bound = port
    if (bound === 0) {
      do bound = this.nextPort++
      while (this.listeners.has(formatAddress(host, bound)))
    }
    const key = formatAddress(host, bound)
    if (this.listeners.has(key)) throw new TransportError('ERR_LISTEN_FAILED', `address in use: ${key}`)
    this.listeners.set(key, transport)
    return key
  }

  /** @internal */
  unbind(addr: string, transport: MemoryTransport): void {
    if (this.listeners.get(addr) === transport) this.listeners.delete(addr)
  }

  /** @internal */
  lookup(addr: string): MemoryTransport | undefined {
    const { host, port } = parseAddress(addr)
    return this.listeners.get(formatAddress(host, port))
  }

  /** @internal */
  ephemeralAddress(host: string): string {
    return formatAddress(host, this.nextEphemeralPort++)
  }
}

/** An in-process transport with the TCP transport's contract, for tests: transports on one {@link MemoryNetwork} reach each other. */
export class MemoryTransport extends BaseTransport {
  private readonly network: MemoryNetwork
  private readonly bound: string[] = []

  constructor(network: MemoryNetwork, localId: string, options: Partial<TransportOptions> = {}, env: TransportEnv = {}) {
    if (!isHexId(localId)) throw new TransportError('ERR_INVALID_PEER_ID', `not a node id: "${localId}"`)
    super(asNodeId(localId), resolveTransportOptions(options), env)
    this.network = network
  }

  /** Addresses bound by `listen`. */
  get listenAddrs(): readonly string[] {
    return [...this.bound]
  }

  /** Binds 'host:port' on the memory network (port 0 picks one); returns the bound address. */
  listen(addr: string): Promise<string> {
    if (this.isClosed) return Promise.reject(new TransportError('ERR_TRANSPORT_CLOSED', 'transport is closed'))
    try {
      const bound = this.network.bind(addr, this)
      this.bound.push(bound)
      return Promise.resolve(bound)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  protected async connect(peerId: NodeId, addr: string, signal: AbortSignal): Promise<ByteChannel> {
    const target = this.network.lookup(addr)
    if (target === undefined || target.isClosed) {
      throw new TransportError('ERR_DIAL_FAILED', `connection refused: ${addr}`)
    }
    if (!target.admit()) {
      throw new TransportError('ERR_HANDSHAKE_FAILED', `${addr} closed the connection during the handshake`)
    }
    try {
      // Let the "handshake" take a turn of the event loop, as a real one would.
      await new Promise<void>((resolve) => setImmediate(resolve))
      if (signal.aborted || target.isClosed) {
        throw new TransportError('ERR_HANDSHAKE_FAILED', `${addr}: transport closed during the handshake`)
      }
      if (target.localId !== peerId) {
        throw new TransportError('ERR_PEER_ID_MISMATCH', `${addr} is node ${target.localId}, expected ${peerId}`)
      }
      const host = parseAddress(this.bound[0] ?? 'memory:0').host
      const [local, remote] = createMemoryPipe(addr, this.network.ephemeralAddress(host))
      target.accept(remote, this.localId)
      return local
    } finally {
      target.settled()
    }
  }

  protected stopListening(): Promise<void> {
    for (const addr of this.bound) this.network.unbind(addr, this)
    return Promise.resolve()
  }

  /** @internal */
  admit(): boolean {
    return this.admitInbound()
  }

  /** @internal */
  settled(): void {
    this.inboundSettled()
  }

  /** @internal */
  accept(channel: ByteChannel, remoteId: NodeId): void {
    this.acceptInbound(channel, remoteId)
  }
}

const EOF = Symbol('eof')

/** One end of an in-memory pipe. */
class MemoryChannel implements ByteChannel {
  readonly remoteAddr: string
  peer!: MemoryChannel
  private events: ByteChannelEvents | undefined
  private readonly inbox: (Uint8Array | typeof EOF)[] = []
  private deliveryScheduled = false
  /** Bytes written by this end that the peer has not delivered yet. */
  inFlightBytes = 0
  private blocked = false
  private writeEnded = false
  private readEnded = false
  private closed = false
  private closeError: TransportError | undefined
  private closeReported = false

  constructor(remoteAddr: string) {
    this.remoteAddr = remoteAddr
  }

  start(events: ByteChannelEvents): void {
    this.events = events
    this.scheduleDelivery()
    if (this.closed) this.reportClose()
  }

  write(chunk: Uint8Array): boolean {
    if (this.closed || this.writeEnded) throw new TransportError('ERR_CONNECTION_RESET', 'write after end')
    this.inFlightBytes += chunk.byteLength
    this.peer.receive(chunk.slice())
    if (this.inFlightBytes >= MEMORY_PIPE_HIGH_WATER_BYTES) this.blocked = true
    return !this.blocked
  }

  end(): void {
    if (this.closed || this.writeEnded) return
    this.writeEnded = true
    this.peer.receive(EOF)
    this.maybeClose()
  }

  destroy(error?: TransportError): void {
    if (this.closed) return
    this.close(error)
    this.peer.close(new TransportError('ERR_CONNECTION_RESET', 'connection reset by peer'))
  }

  /** @internal the peer wrote `item`. */
  receive(item: Uint8Array | typeof EOF): void {
    if (this.closed) return
    this.inbox.push(item)
    this.scheduleDelivery()
  }

  /** @internal the peer delivered `bytes` of ours. */
  delivered(bytes: number): void {
    this.inFlightBytes -= bytes
    if (this.blocked && this.inFlightBytes < MEMORY_PIPE_HIGH_WATER_BYTES / 2 && !this.closed) {
      this.blocked = false
      this.events?.onDrain()
    }
  }

  private scheduleDelivery(): void {
    if (this.deliveryScheduled || this.events === undefined || this.inbox.length === 0) return
    this.deliveryScheduled = true
    setImmediate(() => {
      this.deliveryScheduled = false
      this.deliver()
    })
  }

  private deliver(): void {
    const events = this.events
    if (events === undefined) return
    while (this.inbox.length > 0 && !this.closed) {
      const item = this.inbox.shift() as Uint8Array | typeof EOF
      if (item === EOF) {
        this.readEnded = true
        events.onEnd()
        this.maybeClose()
      } else {
        events.onData(item)
        this.peer.delivered(item.byteLength)
      }
    }
  }

  private maybeClose(): void {
    if (this.writeEnded && this.readEnded) this.close()
  }

  private close(error?: TransportError): void {
    if (this.closed) return
    this.closed = true
    this.closeError = error
    this.inbox.length = 0
    this.reportClose()
  }

  private reportClose(): void {
    if (this.closeReported || this.events === undefined) return
    this.closeReported = true
    this.events.onClose(this.closeError)
  }
}

/** Creates a connected pair of in-memory channels. */
export function createMemoryPipe(addrA: string, addrB: string): [ByteChannel, ByteChannel] {
  // Each end's remoteAddr is the other end's address.
  const a = new MemoryChannel(addrA)
  const b = new MemoryChannel(addrB)
  a.peer = b
  b.peer = a
  return [a, b]
}
