/**
 * Wire codec: every HyParView and Plumtree message (`TopicMessage`) with its topic, to
 * and from the bytes of one transport frame.
 *
 * Frame layout (all counts and numbers are canonical unsigned varints, ids are raw 32
 * bytes, `opt-bytes` is varint 0 for "absent" or n + 1 followed by n bytes):
 *
 *   frame   = version:u8 (=3)  groupCount:varint (>= 1)  group{groupCount}
 *   group   = topic:32  messageCount:varint (>= 1)  message{messageCount}
 *   message = tag:u8  body
 *   peer    = id:32  data:opt-bytes
 *
 *   tag  type           body
 *   0x01 join           seq  data:opt-bytes
 *   0x02 forwardJoin    peer  ttl
 *   0x03 neighbor       seq  requestId  priority:u8 (0 low, 1 high)  data:opt-bytes
 *   0x04 neighborReply  seq  requestId  accepted:u8 (0/1)
 *   0x05 disconnect     seq  alive:u8 (0/1)
 *   0x06 shuffle        origin:peer  ttl  count  peer{count}
 *   0x07 shuffleReply   count  peer{count}
 *   0x08 gossip         id:32  origin:32  round  scope:u8 (0 swarm, 1 neighbors)  content:varint-len bytes
 *   0x09 ihave          count  (id:32 round){count}
 *   0x0a graft          flags:u8 (bit 0 id, bit 1 origin, bit 2 have)  [id:32]  [origin:32]  [count id:32{count}]  round
 *   0x0b prune          origin:32
 *
 * A batch groups consecutive messages of the same topic, so a frame with one message
 * costs 35 bytes of envelope. Every size and count is checked against `WireLimits`
 * before anything is allocated. Decoding untrusted bytes throws nothing but WireError;
 * encoding checks the same limits, so we never send what a peer would reject.
 */
import { MAX_GRAFT_HAVE_IDS, type IHaveEntry, type NeighborPriority, type TopicMessage, type TopicMessageType } from '../proto/messages.js'
import type { BroadcastScope, MessageId, PeerInfo, TopicId } from '../proto/types.js'
import { ByteReader, ByteWriter, ID_BYTES, WireError, varintBytes } from './bytes.js'

export { WireError, type WireErrorCode } from './bytes.js'

/**
 * The version byte every frame starts with. 4: broadcast envelopes carry a stream and a
 * sequence number (an older node would refuse every forwarded broadcast as malformed).
 */
export const WIRE_VERSION = 4

/** Size and count limits enforced by both the encoder and the decoder. */
export interface WireLimits {
  /** Largest GOSSIP content. @default 4096 (= broadcast.maxMessageBytes) */
  maxContentBytes: number
  /** Entries in one IHAVE. @default 512 (= broadcast.maxIHaveEntriesPerMessage) */
  maxIHaveEntries: number
  /** Peers in one SHUFFLE or SHUFFLE_REPLY (the origin excluded). @default 64 (paper's shuffle sends 8) */
  maxShufflePeers: number
  /** Opaque data per peer (its addresses), and JOIN / NEIGHBOR data. @default 1024 */
  maxPeerDataBytes: number
  /** Messages in one frame, across topics. @default 1024 */
  maxMessagesPerFrame: number
  /** Bytes in one frame. @default 1_048_576 (= transport maxFrameBytes) */
  maxFrameBytes: number
}

export const DEFAULT_WIRE_LIMITS: Readonly<WireLimits> = Object.freeze({
  maxContentBytes: 4096,
  maxIHaveEntries: 512,
  maxShufflePeers: 64,
  maxPeerDataBytes: 1024,
  maxMessagesPerFrame: 1024,
  maxFrameBytes: 1_048_576,
})

/** Merges overrides onto the defaults; throws WireError `ERR_WIRE_LIMIT` on a bad value. */
export function resolveWireLimits(input: Partial<WireLimits> = {}): WireLimits {
  const limits = { ...DEFAULT_WIRE_LIMITS }
  for (const [key, value] of Object.entries(input) as [keyof WireLimits, number | undefined][]) {
    if (value === undefined) continue
    if (!(key in DEFAULT_WIRE_LIMITS)) throw new WireError('ERR_WIRE_LIMIT', `unknown wire limit ${key}`)
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new WireError('ERR_WIRE_LIMIT', `wire limit ${key} must be a positive integer, got ${value}`)
    }
    limits[key] = value
  }
  return limits
}

/** Bytes of a frame's envelope around one message: version, group count, topic, message count, tag. */
const ONE_MESSAGE_FRAME_BYTES = 1 + 1 + ID_BYTES + 1 + 1
/** Worst-case bytes of a varint-encoded round (hop count). */
const MAX_ROUND_BYTES = varintBytes(Number.MAX_SAFE_INTEGER)

/** Bytes of the largest one-GOSSIP frame `limits` allow: it must fit the transport's frame size. */
export function maxGossipFrameBytes(limits: WireLimits): number {
  const body = 2 * ID_BYTES + MAX_ROUND_BYTES + 1 + varintBytes(limits.maxContentBytes) + limits.maxContentBytes
  return ONE_MESSAGE_FRAME_BYTES + body
}

/** Bytes of the largest one-IHAVE frame `limits` allow: it must fit the transport's frame size. */
export function maxIHaveFrameBytes(limits: WireLimits): number {
  return ONE_MESSAGE_FRAME_BYTES + varintBytes(limits.maxIHaveEntries) + limits.maxIHaveEntries * (ID_BYTES + MAX_ROUND_BYTES)
}

/** One message with the topic it belongs to. */
export interface WireEntry {
  readonly topic: TopicId
  readonly message: TopicMessage
}

const TAGS: Readonly<Record<TopicMessageType, number>> = {
  join: 0x01,
  forwardJoin: 0x02,
  neighbor: 0x03,
  neighborReply: 0x04,
  disconnect: 0x05,
  shuffle: 0x06,
  shuffleReply: 0x07,
  gossip: 0x08,
  ihave: 0x09,
  graft: 0x0a,
  prune: 0x0b,
}

/** GRAFT flag bits. */
const GRAFT_HAS_ID = 1
const GRAFT_HAS_ORIGIN = 2
const GRAFT_HAS_HAVE = 4
const SCOPES: readonly BroadcastScope[] = ['swarm', 'neighbors']
const PRIORITIES: readonly NeighborPriority[] = ['low', 'high']

// ---- encoding ----

/** Encodes one message (tag + body). Throws WireError on a value it cannot encode or a limit. */
export function encodeMessage(message: TopicMessage, limits: WireLimits = DEFAULT_WIRE_LIMITS): Uint8Array {
  const w = new ByteWriter(64)
  writeMessage(w, message, limits)
  return w.finish()
}

/**
 * Encoded messages by message object, for a sender that hands the same message object to
 * several peers (a forwarded GOSSIP goes to every eager neighbor): each is encoded once.
 * Messages are immutable once handed to the driver, so the bytes stay valid; the owner
 * bounds the map (the driver clears it after every flush).
 */
export type EncodedBodies = Map<TopicMessage, Uint8Array>

function encodeBody(message: TopicMessage, limits: WireLimits, bodies: EncodedBodies | undefined): Uint8Array {
  if (bodies === undefined) return encodeMessage(message, limits)
  let body = bodies.get(message)
  if (body === undefined) {
    body = encodeMessage(message, limits)
    bodies.set(message, body)
  }
  return body
}

/**
 * Encodes entries into one frame, in order. Throws WireError `ERR_WIRE_LIMIT` when they
 * do not fit one frame (use `encodeFrames` to split), `ERR_WIRE_MALFORMED` when empty.
 */
export function encodeFrame(entries: readonly WireEntry[], limits: WireLimits = DEFAULT_WIRE_LIMITS): Uint8Array {
  const frames = encodeFrames(entries, limits)
  if (frames.length !== 1) {
    throw new WireError('ERR_WIRE_LIMIT', `${entries.length} messages need ${frames.length} frames (maxFrameBytes / maxMessagesPerFrame)`)
  }
  return frames[0] as Uint8Array
}

/**
 * Encodes entries into as few frames as the limits allow, preserving order (greedy
 * packing). Throws WireError when a single message exceeds a limit on its own. With
 * `bodies`, a message already encoded there is not encoded again (see {@link EncodedBodies}).
 */
export function encodeFrames(entries: readonly WireEntry[], limits: WireLimits = DEFAULT_WIRE_LIMITS, bodies?: EncodedBodies): Uint8Array[] {
  if (entries.length === 0) throw new WireError('ERR_WIRE_MALFORMED', 'a frame needs at least one message')
  const encoded = entries.map((e) => ({ topic: e.topic, body: encodeBody(e.message, limits, bodies) }))
  const frames: Uint8Array[] = []
  let start = 0
  while (start < encoded.length) {
    // Find the longest run [start, end) that fits, tracking the exact frame size.
    let size = 1 // version
    let groups = 0
    let runCount = 0
    let end = start
    while (end < encoded.length && end - start < limits.maxMessagesPerFrame) {
      const item = encoded[end] as { topic: string; body: Uint8Array }
      const sameTopic = end > start && (encoded[end - 1] as { topic: string }).topic === item.topic
      let next = size + item.body.byteLength
      if (sameTopic) {
        next += varintBytes(runCount + 1) - varintBytes(runCount)
      } else {
        next += ID_BYTES + 1 + varintBytes(groups + 1) - (groups === 0 ? 0 : varintBytes(groups))
      }
      if (next > limits.maxFrameBytes) break
      size = next
      if (sameTopic) runCount++
      else {
        groups++
        runCount = 1
      }
      end++
    }
    if (end === start) {
      throw new WireError('ERR_WIRE_LIMIT', `a ${(encoded[start] as { body: Uint8Array }).body.byteLength}-byte message does not fit maxFrameBytes ${limits.maxFrameBytes}`)
    }
    frames.push(writeFrame(encoded.slice(start, end)))
    start = end
  }
  return frames
}

function writeFrame(items: readonly { topic: string; body: Uint8Array }[]): Uint8Array {
  const runs: { topic: string; bodies: Uint8Array[] }[] = []
  for (const item of items) {
    const last = runs.at(-1)
    if (last !== undefined && last.topic === item.topic) last.bodies.push(item.body)
    else runs.push({ topic: item.topic, bodies: [item.body] })
  }
  const w = new ByteWriter(items.reduce((n, i) => n + i.body.byteLength, 40 * runs.length + 8))
  w.u8(WIRE_VERSION)
  w.varint(runs.length, 'group count')
  for (const run of runs) {
    w.id(run.topic, 'topic id')
    w.varint(run.bodies.length, 'message count')
    for (const body of run.bodies) w.raw(body)
  }
  return w.finish()
}

function writePeer(w: ByteWriter, peer: PeerInfo, limits: WireLimits, field: string): void {
  if (typeof peer !== 'object' || peer === null) throw new WireError('ERR_WIRE_INVALID_MESSAGE', `${field} must be a PeerInfo`)
  w.id(peer.id, `${field}.id`)
  w.optionalBytes(peer.data, limits.maxPeerDataBytes, `${field}.data`)
}

function writePeers(w: ByteWriter, peers: readonly PeerInfo[], limits: WireLimits, field: string): void {
  if (!Array.isArray(peers)) throw new WireError('ERR_WIRE_INVALID_MESSAGE', `${field} must be an array`)
  if (peers.length > limits.maxShufflePeers) {
    throw new WireError('ERR_WIRE_LIMIT', `${field} has ${peers.length} peers, limit is ${limits.maxShufflePeers}`)
  }
  w.varint(peers.length, `${field} count`)
  for (const peer of peers) writePeer(w, peer, limits, field)
}

function writeEnum<T>(w: ByteWriter, values: readonly T[], value: T, field: string): void {
  const index = values.indexOf(value)
  if (index < 0) throw new WireError('ERR_WIRE_INVALID_MESSAGE', `${field} must be one of ${values.join(', ')}`)
  w.u8(index)
}

function writeBool(w: ByteWriter, value: boolean, field: string): void {
  if (typeof value !== 'boolean') throw new WireError('ERR_WIRE_INVALID_MESSAGE', `${field} must be a boolean`)
  w.bool(value)
}

function writeMessage(w: ByteWriter, m: TopicMessage, limits: WireLimits): void {
  const tag = TAGS[m.type]
  if (tag === undefined) throw new WireError('ERR_WIRE_INVALID_MESSAGE', `unknown message type ${String((m as { type: unknown }).type)}`)
  w.u8(tag)
  switch (m.type) {
    case 'join':
      w.varint(m.seq, 'join.seq')
      w.optionalBytes(m.data, limits.maxPeerDataBytes, 'join.data')
      return
    case 'forwardJoin':
      writePeer(w, m.peer, limits, 'forwardJoin.peer')
      w.varint(m.ttl, 'forwardJoin.ttl')
      return
    case 'neighbor':
      w.varint(m.seq, 'neighbor.seq')
      w.varint(m.requestId, 'neighbor.requestId')
      writeEnum(w, PRIORITIES, m.priority, 'neighbor.priority')
      w.optionalBytes(m.data, limits.maxPeerDataBytes, 'neighbor.data')
      return
    case 'neighborReply':
      w.varint(m.seq, 'neighborReply.seq')
      w.varint(m.requestId, 'neighborReply.requestId')
      writeBool(w, m.accepted, 'neighborReply.accepted')
      return
    case 'disconnect':
      w.varint(m.seq, 'disconnect.seq')
      writeBool(w, m.alive, 'disconnect.alive')
      return
    case 'shuffle':
      writePeer(w, m.origin, limits, 'shuffle.origin')
      w.varint(m.ttl, 'shuffle.ttl')
      writePeers(w, m.nodes, limits, 'shuffle.nodes')
      return
    case 'shuffleReply':
      writePeers(w, m.nodes, limits, 'shuffleReply.nodes')
      return
    case 'gossip':
      w.id(m.id, 'gossip.id')
      w.id(m.origin, 'gossip.origin')
      w.varint(m.round, 'gossip.round')
      writeEnum(w, SCOPES, m.scope, 'gossip.scope')
      w.bytes(m.content, limits.maxContentBytes, 'gossip.content')
      return
    case 'ihave':
      if (!Array.isArray(m.entries)) throw new WireError('ERR_WIRE_INVALID_MESSAGE', 'ihave.entries must be an array')
      if (m.entries.length > limits.maxIHaveEntries) {
        throw new WireError('ERR_WIRE_LIMIT', `ihave has ${m.entries.length} entries, limit is ${limits.maxIHaveEntries}`)
      }
      w.varint(m.entries.length, 'ihave count')
      for (const entry of m.entries) {
        w.id(entry.id, 'ihave.id')
        w.varint(entry.round, 'ihave.round')
      }
      return
    case 'graft':
      w.u8(
        (m.id === undefined ? 0 : GRAFT_HAS_ID) |
          (m.origin === undefined ? 0 : GRAFT_HAS_ORIGIN) |
          (m.have === undefined ? 0 : GRAFT_HAS_HAVE),
      )
      if (m.id !== undefined) w.id(m.id, 'graft.id')
      if (m.origin !== undefined) w.id(m.origin, 'graft.origin')
      if (m.have !== undefined) {
        if (m.have.length > MAX_GRAFT_HAVE_IDS) {
          throw new WireError('ERR_WIRE_LIMIT', `graft lists ${m.have.length} ids, limit is ${MAX_GRAFT_HAVE_IDS}`)
        }
        w.varint(m.have.length, 'graft.have count')
        for (const id of m.have) w.id(id, 'graft.have')
      }
      w.varint(m.round, 'graft.round')
      return
    case 'prune':
      w.id(m.origin, 'prune.origin')
      return
  }
}

// ---- decoding ----

/** Decodes one frame. Throws only WireError, whatever the input. */
export function decodeFrame(bytes: Uint8Array, limits: WireLimits = DEFAULT_WIRE_LIMITS): WireEntry[] {
  try {
    return readFrame(bytes, limits)
  } catch (err) {
    if (err instanceof WireError) throw err
    // A bug, not a peer's fault, but untrusted input must still only produce WireError.
    throw new WireError('ERR_WIRE_MALFORMED', `undecodable frame: ${err instanceof Error ? err.message : String(err)}`)
  }
}

function readFrame(bytes: Uint8Array, limits: WireLimits): WireEntry[] {
  if (!(bytes instanceof Uint8Array)) throw new WireError('ERR_WIRE_MALFORMED', 'frame must be a Uint8Array')
  if (bytes.byteLength > limits.maxFrameBytes) {
    throw new WireError('ERR_WIRE_LIMIT', `frame has ${bytes.byteLength} bytes, limit is ${limits.maxFrameBytes}`)
  }
  const r = new ByteReader(bytes)
  const version = r.u8('version')
  if (version !== WIRE_VERSION) {
    throw new WireError(
      'ERR_WIRE_VERSION',
      `wire version ${version}, expected ${WIRE_VERSION}: the peer runs an incompatible hearsay release; upgrade the older node`,
    )
  }
  const groups = r.bounded(limits.maxMessagesPerFrame, 'group count')
  if (groups === 0) throw new WireError('ERR_WIRE_MALFORMED', 'frame without messages')
  const entries: WireEntry[] = []
  for (let g = 0; g < groups; g++) {
    const topic = r.id('topic id')
    const count = r.bounded(limits.maxMessagesPerFrame - entries.length, 'message count')
    if (count === 0) throw new WireError('ERR_WIRE_MALFORMED', 'topic group without messages')
    for (let i = 0; i < count; i++) entries.push({ topic, message: readMessage(r, limits) })
  }
  if (r.remaining !== 0) throw new WireError('ERR_WIRE_MALFORMED', `${r.remaining} trailing bytes after the last message`)
  return entries
}

function readPeer(r: ByteReader, limits: WireLimits, field: string): PeerInfo {
  const id = r.id(`${field}.id`)
  const data = r.optionalBytes(limits.maxPeerDataBytes, `${field}.data`)
  return data === undefined ? { id } : { id, data }
}

function readPeers(r: ByteReader, limits: WireLimits, field: string): PeerInfo[] {
  const count = r.bounded(limits.maxShufflePeers, `${field} count`)
  const peers: PeerInfo[] = []
  for (let i = 0; i < count; i++) peers.push(readPeer(r, limits, field))
  return peers
}

function readEnum<T>(r: ByteReader, values: readonly T[], field: string): T {
  const b = r.u8(field)
  const value = values[b]
  if (value === undefined) throw new WireError('ERR_WIRE_MALFORMED', `${field}: unknown value ${b}`)
  return value
}

function withData<T extends object>(base: T, data: Uint8Array | undefined): T & { data?: Uint8Array } {
  return data === undefined ? base : { ...base, data }
}

function readMessage(r: ByteReader, limits: WireLimits): TopicMessage {
  const tag = r.u8('message type')
  switch (tag) {
    case TAGS.join: {
      const seq = r.varint('join.seq')
      return withData({ type: 'join' as const, seq }, r.optionalBytes(limits.maxPeerDataBytes, 'join.data'))
    }
    case TAGS.forwardJoin: {
      const peer = readPeer(r, limits, 'forwardJoin.peer')
      return { type: 'forwardJoin', peer, ttl: r.varint('forwardJoin.ttl') }
    }
    case TAGS.neighbor: {
      const seq = r.varint('neighbor.seq')
      const requestId = r.varint('neighbor.requestId')
      const priority = readEnum(r, PRIORITIES, 'neighbor.priority')
      const data = r.optionalBytes(limits.maxPeerDataBytes, 'neighbor.data')
      return withData({ type: 'neighbor' as const, seq, requestId, priority }, data)
    }
    case TAGS.neighborReply: {
      const seq = r.varint('neighborReply.seq')
      const requestId = r.varint('neighborReply.requestId')
      return { type: 'neighborReply', seq, requestId, accepted: r.bool('neighborReply.accepted') }
    }
    case TAGS.disconnect: {
      const seq = r.varint('disconnect.seq')
      return { type: 'disconnect', seq, alive: r.bool('disconnect.alive') }
    }
    case TAGS.shuffle: {
      const origin = readPeer(r, limits, 'shuffle.origin')
      const ttl = r.varint('shuffle.ttl')
      return { type: 'shuffle', origin, ttl, nodes: readPeers(r, limits, 'shuffle.nodes') }
    }
    case TAGS.shuffleReply:
      return { type: 'shuffleReply', nodes: readPeers(r, limits, 'shuffleReply.nodes') }
    case TAGS.gossip: {
      const id = r.id('gossip.id')
      const origin = r.id('gossip.origin')
      const round = r.varint('gossip.round')
      const scope = readEnum(r, SCOPES, 'gossip.scope')
      return { type: 'gossip', id, origin, round, scope, content: r.bytes(limits.maxContentBytes, 'gossip.content') }
    }
    case TAGS.ihave: {
      const count = r.bounded(limits.maxIHaveEntries, 'ihave count')
      const entries: IHaveEntry[] = []
      for (let i = 0; i < count; i++) {
        const id = r.id('ihave.id')
        entries.push({ id, round: r.varint('ihave.round') })
      }
      return { type: 'ihave', entries }
    }
    case TAGS.graft: {
      const flags = r.u8('graft.flags')
      if ((flags & ~(GRAFT_HAS_ID | GRAFT_HAS_ORIGIN | GRAFT_HAS_HAVE)) !== 0) {
        throw new WireError('ERR_WIRE_MALFORMED', `graft.flags has unknown bits: ${flags}`)
      }
      const id = (flags & GRAFT_HAS_ID) !== 0 ? r.id('graft.id') : undefined
      const origin = (flags & GRAFT_HAS_ORIGIN) !== 0 ? r.id('graft.origin') : undefined
      let have: MessageId[] | undefined
      if ((flags & GRAFT_HAS_HAVE) !== 0) {
        have = []
        const count = r.bounded(MAX_GRAFT_HAVE_IDS, 'graft.have count')
        for (let i = 0; i < count; i++) have.push(r.id('graft.have'))
      }
      const round = r.varint('graft.round')
      return {
        type: 'graft',
        round,
        ...(id === undefined ? {} : { id }),
        ...(origin === undefined ? {} : { origin }),
        ...(have === undefined ? {} : { have }),
      }
    }
    case TAGS.prune:
      return { type: 'prune', origin: r.id('prune.origin') }
    default:
      throw new WireError('ERR_WIRE_UNKNOWN_TYPE', `unknown message type 0x${tag.toString(16).padStart(2, '0')}`)
  }
}
