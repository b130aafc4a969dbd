/**
 * Topic ids: 32 bytes written as 64 lower-case hex chars. A topic can be named by a
 * human-readable string: its id is sha256 of the domain-separated UTF-8 text
 * `hearsay-topic:<name>`, so anyone who knows the name can compute the id (topic names
 * are not secret and give no access control). Names are Unicode NFC-normalised first,
 * so the same visible name typed on different keyboards gives the same id; they are
 * case-sensitive and not trimmed by `topicIdFromName`.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { asTopicId, hexOfBytes, isAnyCaseHexId, isHexId, type TopicId } from '../ids.js'
import { TicketError } from './errors.js'

/** Domain separator hashed in front of a topic name. */
export const TOPIC_NAME_DOMAIN = 'hearsay-topic:'

/** Longest topic name, in UTF-8 bytes after NFC normalisation. */
export const MAX_TOPIC_NAME_BYTES = 256

/** True for 64 lower-case hex chars. */
export function isTopicId(value: unknown): value is TopicId {
  return isHexId(value)
}

/** Throws TicketError `ERR_INVALID_TOPIC` unless `value` is a topic id. */
export function validateTopicId(value: unknown, where = 'topic id'): TopicId {
  if (!isTopicId(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value
    throw new TicketError('ERR_INVALID_TOPIC', `${where}: expected 64 lower-case hex chars, got ${shown}`)
  }
  return value
}

/**
 * The topic id of a name: hex(sha256('hearsay-topic:' + NFC(name))). Throws TicketError
 * `ERR_INVALID_TOPIC` for an empty name or one above `MAX_TOPIC_NAME_BYTES`.
 */
export function topicIdFromName(name: string): TopicId {
  if (typeof name !== 'string' || name.length === 0) throw new TicketError('ERR_INVALID_TOPIC', 'topic name is empty')
  const bytes = new TextEncoder().encode(name.normalize('NFC'))
  if (bytes.length > MAX_TOPIC_NAME_BYTES) {
    throw new TicketError('ERR_INVALID_TOPIC', `topic name is ${bytes.length} bytes, at most ${MAX_TOPIC_NAME_BYTES} are allowed`)
  }
  return asTopicId(hexOfBytes(sha256(new TextEncoder().encode(TOPIC_NAME_DOMAIN + name.normalize('NFC')))))
}

/**
 * User input to a topic id: surrounding whitespace is trimmed; 64 hex chars (any
 * case) are taken as the id itself, anything else as a name (`topicIdFromName`).
 * A name that happens to be 64 hex chars is therefore read as an id.
 */
export function parseTopic(text: string): TopicId {
  if (typeof text !== 'string') throw new TicketError('ERR_INVALID_TOPIC', 'topic must be a string')
  const trimmed = text.trim()
  if (isAnyCaseHexId(trimmed)) return asTopicId(trimmed.toLowerCase())
  return topicIdFromName(trimmed)
}
