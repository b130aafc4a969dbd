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
import type { Uint8ArrayList } from 'uint8arraylist'
import { noise, type ICryptoInterface } from '@chainsafe/libp2p-noise'
import { generateKeyPairFromSeed, publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { ConnectionEncrypter, MessageStream, SecuredConnection, StreamCloseEvent, StreamMessageEvent, Upgrader } from '@libp2p/interface'
import { defaultLogger, logger } from '@libp2p/logger'
import { peerIdFromPrivateKey, peerIdFromPublicKey } from '@libp2p/peer-id'
import { systemClock, unrefTimer, type Clock } from '../clock.js'
import { shortId, type NodeId } from '../ids.js'
import type { Logger } from '../log.js'
import { formatAddress } from './address.js'
import type { ByteChannel, ByteChannelEvents } from './channel.js'
import { TransportError, describeError } from './errors.js'
import { nodeIdFromBytes, nodeIdToBytes, type NodeIdentity } from './keys.js'
import { connectionLog } from './log-scope.js'
import { fastNoiseCrypto } from './noise-crypto.js'
import { noiseInternalsOf, noiseShapeMessage, type NoiseInternals, type NoiseSession } from './noise-internals.js'
import { SocketStream } from './socket-stream.js'

const LOG_NAME = 'hearsay:transport:noise'
const log = logger(LOG_NAME)

/** A Noise encrypter bound to one identity; create once per transport (its static DH key is reused). */
export type NoiseEncrypter = ConnectionEncrypter

/**
 * Builds the Noise encrypter for `identity`. `crypto` overrides the primitives
 * (default: `fastNoiseCrypto`; the benchmark passes the library's own to compare).
 */
export async function createNoiseEncrypter(identity: NodeIdentity, crypto: ICryptoInterface = fastNoiseCrypto): Promise<NoiseEncrypter> {
  const privateKey = await generateKeyPairFromSeed('Ed25519', identity.secretKey)
  if (nodeIdFromBytes(privateKey.publicKey.raw) !== identity.peerId) {
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
  readonly expectedPeer?: string | undefined
  readonly handshakeTimeoutMs: number
  /** Handshake failures. @default logger('hearsay:transport:noise') */
  readonly log?: Logger | undefined
  /** Time for the handshake timeout. @default systemClock */
  readonly clock?: Clock | undefined
  /** Cancels the handshake (transport shutdown). */
  readonly signal: AbortSignal
}

export interface SecuredSocket {
  readonly channel: ByteChannel
  readonly remoteId: NodeId
  /** Why the Noise library's internals could not be used on this connection (empty when they could): see noise-internals.ts. */
  readonly libraryShapeProblems: readonly string[]
}

/** Runs the Noise XX handshake on a connected socket. Throws TransportError `ERR_HANDSHAKE_*`, `ERR_PEER_ID_MISMATCH`. */
export async function secureSocket(init: SecureSocketInit): Promise<SecuredSocket> {
  const { socket, direction, expectedPeer } = init
  socket.setNoDelay(true)
  const remoteAddr = formatAddress(socket.remoteAddress ?? '0.0.0.0', socket.remotePort ?? 0)
  const stream = new SocketStream(socket, direction, connectionLog(LOG_NAME, remoteAddr))
  // A timer cleared once the handshake settles: AbortSignal.timeout would stay armed for
  // the whole timeout and then build a DOMException (with a stack) for every connection.
  const timeout = new AbortController()
  const clock = init.clock ?? systemClock
  const timer = clock.setTimer(() => timeout.abort(new DOMException('handshake timed out', 'TimeoutError')), init.handshakeTimeoutMs)
  unrefTimer(timer)
  const signal = AbortSignal.any([timeout.signal, init.signal])
  try {
    let secured: SecuredConnection
    if (direction === 'outbound') {
      if (expectedPeer === undefined) throw new TransportError('ERR_HANDSHAKE_FAILED', 'outbound handshake needs the expected node id')
      const remotePeer = peerIdFromPublicKey(publicKeyFromRaw(nodeIdToBytes(expectedPeer)))
      secured = await init.encrypter.secureOutbound(stream, { remotePeer, skipStreamMuxerNegotiation: true, signal })
    } else {
      secured = await init.encrypter.secureInbound(stream, { skipStreamMuxerNegotiation: true, signal })
    }
    const key = secured.remotePeer.publicKey
    if (key?.type !== 'Ed25519') {
      throw new TransportError('ERR_HANDSHAKE_FAILED', `peer uses a ${key?.type ?? 'missing'} identity key; only Ed25519 is accepted`)
    }
    const remoteId = nodeIdFromBytes(key.raw)
    if (expectedPeer !== undefined && remoteId !== expectedPeer) {
      throw new TransportError('ERR_PEER_ID_MISMATCH', `${remoteAddr} is node ${remoteId}, expected ${expectedPeer}`)
    }
    if (signal.aborted) throw signal.reason
    stream.markSecured()
    const channel = new NoiseChannel(secured.connection, stream, remoteAddr)
    return { channel, remoteId, libraryShapeProblems: channel.libraryShapeProblems }
  } catch (err) {
    const error = handshakeError(err, { timedOut: timeout.signal.aborted, cancelled: init.signal.aborted, remoteAddr, expectedPeer })
    ;(init.log ?? log)('%s handshake (%s) failed: %s', remoteAddr, direction, describeError(error))
    stream.abort(error)
    socket.destroy()
    throw error
  } finally {
    clock.clearTimer(timer)
  }
}

function handshakeError(
  err: unknown,
  ctx: { timedOut: boolean; cancelled: boolean; remoteAddr: string; expectedPeer: string | undefined },
): TransportError {
  if (err instanceof TransportError) return err
  if (ctx.cancelled) return new TransportError('ERR_TRANSPORT_CLOSED', 'transport closed during the handshake', { cause: err })
  if (ctx.timedOut) return new TransportError('ERR_HANDSHAKE_TIMEOUT', `handshake with ${ctx.remoteAddr} did not finish in time`, { cause: err })
  const message = describeError(err)
  if ((err as Error | undefined)?.name === 'UnexpectedPeerError' && /does not match expected/.test(message)) {
    const expected = ctx.expectedPeer === undefined ? '' : `, expected ${shortId(ctx.expectedPeer)}`
    return new TransportError('ERR_PEER_ID_MISMATCH', `${ctx.remoteAddr} proved a different node id${expected}`, { cause: err })
  }
  return new TransportError('ERR_HANDSHAKE_FAILED', `handshake with ${ctx.remoteAddr} failed: ${message}`, { cause: err })
}

/** Most plaintext bytes in one Noise transport message (65,535 minus the 16-byte tag). */
const NOISE_MAX_PLAINTEXT = 65_535 - 16
const NOISE_TAG_BYTES = 16

let warnedShape = false

function flat(data: Uint8Array | Uint8ArrayList): Uint8Array {
  return data instanceof Uint8Array ? data : data.subarray()
}

/**
 * The secured stream as a ByteChannel. After the handshake, messages are encrypted and
 * decrypted here with the library's session and written to / read from the socket
 * directly (same wire format: u16 big-endian length, ChaCha20-Poly1305 ciphertext);
 * the library's stream is kept for close, drain and EOF events. If the library does not
 * expose its session (another version), its stream is used for data as well.
 */
class NoiseChannel implements ByteChannel {
  readonly remoteAddr: string
  private readonly secured: MessageStream
  private readonly stream: SocketStream
  private readonly session: NoiseSession | undefined
  private readonly internals: NoiseInternals | undefined
  /** Why the library's internals cannot be used (empty when they are): see noise-internals.ts. */
  readonly libraryShapeProblems: readonly string[]
  private localError: TransportError | undefined
  private started = false
  private events: ByteChannelEvents | undefined
  /** Received bytes of an incomplete Noise message. */
  private rxPending: Buffer[] = []
  private rxPendingBytes = 0
  /** Bytes the incomplete message needs in all (2 until its length is known). */
  private rxNeeded = 2

  constructor(secured: MessageStream, stream: SocketStream, remoteAddr: string) {
    this.secured = secured
    this.stream = stream
    this.remoteAddr = remoteAddr
    const check = noiseInternalsOf(secured)
    this.internals = check.ok ? check.internals : undefined
    this.session = this.internals?.session
    this.libraryShapeProblems = check.ok ? [] : check.problems
    if (!check.ok && !warnedShape) {
      warnedShape = true
      log.error('%s', noiseShapeMessage(check.problems))
    }
  }

  start(events: ByteChannelEvents): void {
    if (this.started) throw new Error('NoiseChannel.start called twice')
    this.started = true
    this.events = events
    const secured = this.secured
    if (this.internals !== undefined) {
      this.takeOverReads(events, this.internals)
    } else {
      secured.addEventListener('message', (evt: StreamMessageEvent) => {
        const data = evt.data
        if (data instanceof Uint8Array) events.onData(data)
        else for (const buf of data) events.onData(buf)
      })
    }
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

  /**
   * Moves reading from the library's layers to `onSocketData`. Bytes those layers
   * already hold are taken over in order: plaintext decrypted but not dispatched, then
   * an incomplete Noise message in the library's decoder, then raw bytes not yet
   * passed up from the socket stream.
   */
  private takeOverReads(events: ByteChannelEvents, internals: NoiseInternals): void {
    const { plaintext, ciphertext } = internals.takeBuffered()
    const cipher = [...ciphertext]
    cipher.push(...this.stream.divert((chunk) => this.onSocketData(chunk)))
    for (const buf of plaintext) events.onData(buf)
    for (const buf of cipher) this.onSocketData(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength))
  }

  /** Decrypts every whole Noise message in `chunk` (plus what was pending) and passes it on. */
  private onSocketData(chunk: Buffer): void {
    const events = this.events
    const session = this.session
    if (events === undefined || session === undefined || this.localError !== undefined) return
    let data = chunk
    if (this.rxPendingBytes > 0) {
      this.rxPending.push(chunk)
      this.rxPendingBytes += chunk.byteLength
      if (this.rxPendingBytes < this.rxNeeded) return
      data = Buffer.concat(this.rxPending, this.rxPendingBytes)
      this.rxPending = []
      this.rxPendingBytes = 0
    }
    const end = data.byteLength
    let i = 0
    while (end - i >= 2) {
      const len = ((data[i] as number) << 8) | (data[i + 1] as number)
      if (end - i - 2 < len) break
      const ciphertext = data.subarray(i + 2, i + 2 + len)
      i += 2 + len
      if (len < NOISE_TAG_BYTES) {
        this.destroy(new TransportError('ERR_MALFORMED_FRAME', `undecryptable data from peer: a ${len}-byte Noise message`))
        return
      }
      let plaintext: Uint8Array
      try {
        // In place, as the library does: the socket's buffer is ours alone.
        plaintext = flat(session.decrypt(ciphertext, ciphertext.subarray(0, len - NOISE_TAG_BYTES)))
      } catch (err) {
        this.destroy(new TransportError('ERR_MALFORMED_FRAME', `undecryptable data from peer: ${describeError(err)}`, { cause: err }))
        return
      }
      if (plaintext.byteLength > 0) events.onData(plaintext)
      if (this.localError !== undefined || this.stream.socket.destroyed) return
    }
    if (i < end) {
      const rest = data.subarray(i)
      this.rxPending = [rest]
      this.rxPendingBytes = rest.byteLength
      this.rxNeeded = rest.byteLength >= 2 ? 2 + (((rest[0] as number) << 8) | (rest[1] as number)) : 2
    } else {
      this.rxNeeded = 2
    }
  }

  write(chunk: Uint8Array): boolean {
    const session = this.session
    if (session === undefined) return this.secured.send(chunk)
    const socket = this.stream.socket
    if (socket.destroyed || socket.writableEnded) return false
    if (chunk.byteLength <= NOISE_MAX_PLAINTEXT) {
      const ciphertext = flat(session.encrypt(chunk))
      const out = Buffer.allocUnsafe(2 + ciphertext.byteLength)
      out.writeUInt16BE(ciphertext.byteLength, 0)
      out.set(ciphertext, 2)
      return socket.write(out)
    }
    const pieces: Uint8Array[] = []
    let total = 0
    for (let i = 0; i < chunk.byteLength; i += NOISE_MAX_PLAINTEXT) {
      const ciphertext = flat(session.encrypt(chunk.subarray(i, Math.min(chunk.byteLength, i + NOISE_MAX_PLAINTEXT))))
      pieces.push(ciphertext)
      total += 2 + ciphertext.byteLength
    }
    const out = Buffer.allocUnsafe(total)
    let offset = 0
    for (const ciphertext of pieces) {
      out.writeUInt16BE(ciphertext.byteLength, offset)
      out.set(ciphertext, offset + 2)
      offset += 2 + ciphertext.byteLength
    }
    return socket.write(out)
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
