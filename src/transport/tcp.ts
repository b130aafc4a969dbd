/**
 * TcpTransport: node:net sockets secured with Noise XX, TCP_NODELAY on, framed by
 * FramedConnection, bookkept by BaseTransport. Listens and dials 'host:port'.
 */
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net'
import type { NodeId } from '../ids.js'
import { formatAddress, parseAddress } from './address.js'
import { BaseTransport, type TransportEnv } from './base.js'
import type { ByteChannel } from './channel.js'
import { TransportError, describeError } from './errors.js'
import type { NodeIdentity } from './keys.js'
import { resolveTransportOptions, type TransportOptions } from './options.js'
import { createNoiseEncrypter, secureSocket, type NoiseEncrypter } from './secure-channel.js'
import type { ByteCounts } from './types.js'
import type { Logs } from '../log.js'

/** Options of {@link TcpTransport.create}: the identity plus any {@link TransportOptions}. */
export interface TcpTransportInit extends Partial<TransportOptions>, TransportEnv {
  /** The node's identity: its key authenticates every connection. */
  readonly identity: NodeIdentity
}

/** The TCP transport: Noise XX secured, length-prefixed frames, one connection per peer pair. Made by `TcpTransport.create()`. */
export class TcpTransport extends BaseTransport {
  private readonly encrypter: NoiseEncrypter
  private readonly servers: Server[] = []
  private readonly bound: string[] = []
  /** Open sockets, for byte counts. */
  private readonly sockets = new Set<Socket>()
  private closedBytesWritten = 0
  private closedBytesRead = 0

  private readonly tcpLog: ReturnType<Logs>
  private readonly noiseLog: ReturnType<Logs>

  private constructor(identity: NodeIdentity, options: TransportOptions, env: TransportEnv, encrypter: NoiseEncrypter) {
    super(identity.peerId, options, env)
    this.encrypter = encrypter
    this.tcpLog = this.logs('transport:tcp')
    this.noiseLog = this.logs('transport:noise')
  }

  /** Creates a transport for `identity`; call `listen` to accept connections. */
  static async create(init: TcpTransportInit): Promise<TcpTransport> {
    const { identity, clock, logs, ...options } = init
    const resolved = resolveTransportOptions(options)
    return new TcpTransport(identity, resolved, { clock, logs }, await createNoiseEncrypter(identity))
  }

  /** Addresses bound by `listen`, with the actual port. */
  get listenAddrs(): readonly string[] {
    return [...this.bound]
  }

  /** Bytes written to and read from every socket so far (handshakes and keepalives included). */
  byteCounts(): ByteCounts {
    let bytesWritten = this.closedBytesWritten
    let bytesRead = this.closedBytesRead
    for (const socket of this.sockets) {
      bytesWritten += socket.bytesWritten
      bytesRead += socket.bytesRead
    }
    return { bytesWritten, bytesRead }
  }

  private track(socket: Socket): void {
    this.sockets.add(socket)
    socket.once('close', () => {
      this.sockets.delete(socket)
      this.closedBytesWritten += socket.bytesWritten
      this.closedBytesRead += socket.bytesRead
    })
  }

  /** Starts accepting connections on 'host:port' (port 0 picks one); returns the bound address. */
  async listen(addr: string): Promise<string> {
    if (this.isClosed) throw new TransportError('ERR_TRANSPORT_CLOSED', 'transport is closed')
    const { host, port } = parseAddress(addr)
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.onSocket(socket))
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(new TransportError('ERR_LISTEN_FAILED', `cannot listen on ${addr}: ${describeError(err)}`, { cause: err }))
      }
      server.once('error', onError)
      server.listen({ host, port }, () => {
        server.off('error', onError)
        resolve()
      })
    })
    server.on('error', (err) => this.tcpLog.error('listener %s: %s', addr, describeError(err)))
    const address = server.address()
    if (address === null || typeof address === 'string') {
      server.close()
      throw new TransportError('ERR_LISTEN_FAILED', `cannot listen on ${addr}: no TCP address`)
    }
    const boundAddr = formatAddress(address.address, address.port)
    if (this.isClosed) {
      server.close()
      throw new TransportError('ERR_TRANSPORT_CLOSED', 'transport is closed')
    }
    this.servers.push(server)
    this.bound.push(boundAddr)
    this.tcpLog('listening on %s', boundAddr)
    return boundAddr
  }

  private onSocket(socket: Socket): void {
    if (!this.admitInbound()) {
      socket.destroy()
      return
    }
    socket.on('error', () => {}) // reported through the stream; avoid unhandled 'error'
    this.track(socket)
    const startedMs = this.clock.now()
    secureSocket({
      socket,
      encrypter: this.encrypter,
      direction: 'inbound',
      handshakeTimeoutMs: this.options.handshakeTimeoutMs,
      clock: this.clock,
      log: this.noiseLog,
      signal: this.shutdown.signal,
    })
      .then(({ channel, remoteId }) => {
        channel.handshakeRttMs = this.clock.now() - startedMs
        this.acceptInbound(channel, remoteId)
      })
      .catch((err: unknown) => {
        if (err instanceof TransportError && err.code !== 'ERR_TRANSPORT_CLOSED') this.countPeerError(err.code)
        this.tcpLog('inbound handshake from %s failed: %s', formatAddress(socket.remoteAddress ?? '?', socket.remotePort ?? 0), describeError(err))
      })
      .finally(() => this.inboundSettled())
  }

  protected async connect(peerId: NodeId, addr: string, signal: AbortSignal, connectTimeoutMs: number): Promise<ByteChannel> {
    const socket = await this.openSocket(addr, signal, connectTimeoutMs)
    const startedMs = this.clock.now()
    const { channel } = await secureSocket({
      socket,
      encrypter: this.encrypter,
      direction: 'outbound',
      expectedPeer: peerId,
      handshakeTimeoutMs: this.options.handshakeTimeoutMs,
      clock: this.clock,
      log: this.noiseLog,
      signal,
    })
    channel.handshakeRttMs = this.clock.now() - startedMs
    return channel
  }

  private openSocket(addr: string, signal: AbortSignal, connectTimeoutMs: number): Promise<Socket> {
    const { host, port } = parseAddress(addr)
    return new Promise<Socket>((resolve, reject) => {
      const socket = netConnect({ host, port, allowHalfOpen: true, noDelay: true })
      const fail = (why: string, cause?: unknown): void => {
        cleanup()
        socket.destroy()
        reject(new TransportError('ERR_DIAL_FAILED', `cannot connect to ${addr}: ${why}`, { cause }))
      }
      const onError = (err: Error): void => fail(describeError(err), err)
      const onAbort = (): void => fail('transport closed', signal.reason)
      const timer = this.clock.setTimer(() => fail(`no answer within ${connectTimeoutMs} ms`), connectTimeoutMs)
      const cleanup = (): void => {
        this.clock.clearTimer(timer)
        socket.off('error', onError)
        signal.removeEventListener('abort', onAbort)
      }
      if (signal.aborted) {
        onAbort()
        return
      }
      socket.once('error', onError)
      signal.addEventListener('abort', onAbort, { once: true })
      socket.once('connect', () => {
        cleanup()
        this.track(socket)
        socket.on('error', () => {}) // reported through the stream
        resolve(socket)
      })
    })
  }

  protected async stopListening(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            // close() stops accepting at once; its callback waits for open sockets, which
            // BaseTransport closes next, so do not wait for it here.
            server.close()
            resolve()
          }),
      ),
    )
    this.servers.length = 0
  }
}
