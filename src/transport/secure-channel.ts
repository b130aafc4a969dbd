/**
 * Noise XX over a TCP socket, as a `ByteChannel`.
 *
 * `secureSocket` runs the handshake with @chainsafe/libp2p-noise (no libp2p node, no
 * muxer negotiation). The dialer pins the node id it expects; the listener learns the
 * dialer's id from the handshake. Only Ed25519 identities are accepted. A handshake
 * that fails, stalls past `handshakeTimeoutMs`, or is cancelled destroys the socket at
 * once (the library leaves it open otherwise).
 */
import type { Socket } from 'node:net'
import { noise, type ICryptoInterface } from '@chainsafe/libp2p-noise'
import { generateKeyPairFromSeed, publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { ConnectionEncrypter, MessageStream, SecuredConnection, StreamCloseEvent, StreamMessageEvent, Upgrader } from '@libp2p/interface'
import { defaultLogger, logger } from '@libp2p/logger'
import { peerIdFromPrivateKey, peerIdFromPublicKey } from '@libp2p/peer-id'
import type { PeerId } from '../gossip/proto/types.js'
import { formatAddress } from './address.js'
import type { ByteChannel, ByteChannelEvents } from './channel.js'
import { TransportError, describeError } from './errors.js'
import { peerIdFromBytes, peerIdToBytes, shortPeerId, type NodeIdentity } from './keys.js'
import { fastNoiseCrypto } from './noise-crypto.js'
import { SocketStream } from './socket-stream.js'

const log = logger('hearsay:transport:noise')

/** A Noise encrypter bound to one identity; create once per transport (its static DH key is reused). */
export type NoiseEncrypter = ConnectionEncrypter

/**
 * Builds the Noise encrypter for `identity`. `crypto` overrides the primitives
 * (default: `fastNoiseCrypto`; the benchmark passes the library's own to compare).
 */
export async function createNoiseEncrypter(identity: NodeIdentity, crypto: ICryptoInterface = fastNoiseCrypto): Promise<NoiseEncrypter> {
  const privateKey = await generateKeyPairFromSeed('Ed25519', identity.secretKey)
  if (peerIdFromBytes(privateKey.publicKey.raw) !== identity.peerId) {
    throw new TransportError('ERR_HANDSHAKE_FAILED', 'libp2p derived a different public key from the seed')
  }
  // skipStreamMuxerNegotiation means the upgrader is never consulted.
  const upgrader = {} as Upgrader
  return noise({ crypto })({
    peerId: peerIdFromPrivateKey(privateKey),
    privateKey,
    logger: defaultLogger(),
    upgrader,
  })
}

export interface SecureSocketInit {
  readonly socket: Socket
  readonly encrypter: NoiseEncrypter
  readonly direction: 'inbound' | 'outbound'
  /** Required for outbound: the node id the peer must prove. */
  readonly expectedPeer?: PeerId | undefined
  readonly handshakeTimeoutMs: number
  /** Cancels the handshake (transport shutdown). */
  readonly signal: AbortSignal
}

export interface SecuredSocket {
  readonly channel: ByteChannel
  readonly remoteId: PeerId
}

/** Runs the Noise XX handshake on a connected socket. Throws TransportError `ERR_HANDSHAKE_*`, `ERR_PEER_ID_MISMATCH`. */
export async function secureSocket(init: SecureSocketInit): Promise<SecuredSocket> {
  const { socket, direction, expectedPeer } = init
  socket.setNoDelay(true)
  const remoteAddr = formatAddress(socket.remoteAddress ?? '0.0.0.0', socket.remotePort ?? 0)
  const stream = new SocketStream(socket, direction, log.newScope(remoteAddr))
  const timeout = AbortSignal.timeout(init.handshakeTimeoutMs)
  const signal = AbortSignal.any([timeout, init.signal])
  try {
    let secured: SecuredConnection
    if (direction === 'outbound') {
      if (expectedPeer === undefined) throw new TransportError('ERR_HANDSHAKE_FAILED', 'outbound handshake needs the expected node id')
      const remotePeer = peerIdFromPublicKey(publicKeyFromRaw(peerIdToBytes(expectedPeer)))
      secured = await init.encrypter.secureOutbound(stream, { remotePeer, skipStreamMuxerNegotiation: true, signal })
    } else {
      secured = await init.encrypter.secureInbound(stream, { skipStreamMuxerNegotiation: true, signal })
    }
    const key = secured.remotePeer.publicKey
    if (key?.type !== 'Ed25519') {
      throw new TransportError('ERR_HANDSHAKE_FAILED', `peer uses a ${key?.type ?? 'missing'} identity key; only Ed25519 is accepted`)
    }
    const remoteId = peerIdFromBytes(key.raw)
    if (expectedPeer !== undefined && remoteId !== expectedPeer) {
      throw new TransportError('ERR_PEER_ID_MISMATCH', `${remoteAddr} is node ${remoteId}, expected ${expectedPeer}`)
    }
    if (signal.aborted) throw signal.reason
    stream.markSecured()
    return { channel: new NoiseChannel(secured.connection, stream, remoteAddr), remoteId }
  } catch (err) {
    const error = handshakeError(err, { timedOut: timeout.aborted, cancelled: init.signal.aborted, remoteAddr, expectedPeer })
    log('%s handshake (%s) failed: %s', remoteAddr, direction, describeError(error))
    stream.abort(error)
    socket.destroy()
    throw error
  }
}

function handshakeError(
  err: unknown,
  ctx: { timedOut: boolean; cancelled: boolean; remoteAddr: string; expectedPeer: PeerId | undefined },
): TransportError {
  if (err instanceof TransportError) return err
  if (ctx.cancelled) return new TransportError('ERR_TRANSPORT_CLOSED', 'transport closed during the handshake', { cause: err })
  if (ctx.timedOut) return new TransportError('ERR_HANDSHAKE_TIMEOUT', `handshake with ${ctx.remoteAddr} did not finish in time`, { cause: err })
  const message = describeError(err)
  if ((err as Error | undefined)?.name === 'UnexpectedPeerError' && /does not match expected/.test(message)) {
    const expected = ctx.expectedPeer === undefined ? '' : `, expected ${shortPeerId(ctx.expectedPeer)}`
    return new TransportError('ERR_PEER_ID_MISMATCH', `${ctx.remoteAddr} proved a different node id${expected}`, { cause: err })
  }
  return new TransportError('ERR_HANDSHAKE_FAILED', `handshake with ${ctx.remoteAddr} failed: ${message}`, { cause: err })
}

/** The secured stream as a ByteChannel. */
class NoiseChannel implements ByteChannel {
  readonly remoteAddr: string
  private readonly secured: MessageStream
  private readonly stream: SocketStream
  private localError: TransportError | undefined
  private started = false

  constructor(secured: MessageStream, stream: SocketStream, remoteAddr: string) {
    this.secured = secured
    this.stream = stream
    this.remoteAddr = remoteAddr
  }

  start(events: ByteChannelEvents): void {
    if (this.started) throw new Error('NoiseChannel.start called twice')
    this.started = true
    const secured = this.secured
    secured.addEventListener('message', (evt: StreamMessageEvent) => {
      const data = evt.data
      if (data instanceof Uint8Array) events.onData(data)
      else for (const buf of data) events.onData(buf)
    })
    secured.addEventListener('remoteCloseWrite', () => events.onEnd())
    secured.addEventListener('drain', () => events.onDrain())
    secured.addEventListener('close', (evt: StreamCloseEvent) => events.onClose(this.classify(evt.error)))
    if (secured.status !== 'open') events.onClose(this.classify(undefined))
  }

  private classify(error: Error | undefined): TransportError | undefined {
    if (this.localError !== undefined) return this.localError
    if (error === undefined) return undefined
    if (this.stream.socketError !== undefined) {
      return new TransportError('ERR_CONNECTION_RESET', `socket error: ${describeError(this.stream.socketError)}`, { cause: this.stream.socketError })
    }
    // Not the socket: the Noise layer rejected what the peer sent.
    return new TransportError('ERR_MALFORMED_FRAME', `undecryptable data from peer: ${describeError(error)}`, { cause: error })
  }

  write(chunk: Uint8Array): boolean {
    return this.secured.send(chunk)
  }

  end(): void {
    const socket = this.stream.socket
    if (socket.destroyed) return
    if (this.secured.writeBufferLength > 0 || this.stream.writeBufferLength > 0) {
      // Not expected (callers wait for drain), but never cut queued ciphertext off.
      const retry = (): void => this.end()
      setTimeout(retry, 1)
      return
    }
    if (!socket.destroyed && !socket.writableEnded) socket.end()
  }

  destroy(error?: TransportError): void {
    this.localError ??= error
    this.stream.socket.destroy()
  }
}
