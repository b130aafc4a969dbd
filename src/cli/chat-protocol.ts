/**
 * The chat's messages inside hearsay broadcasts: small JSON objects. Who sent a message
 * is not part of it: the node's signed envelope says who the author is, so a name
 * announcement can only name its own author.
 *
 * Recent history (docs/cli.md): a joining node asks its first neighbor
 * (`history-request`, to the neighbors only, naming the one asked); that neighbor
 * answers with `history` messages (to its neighbors, naming the asker), each carrying
 * as many of its recent chat messages as fit one broadcast, oldest first, the last one
 * marked `end`. History entries are vouched for by that neighbor only: they carry the
 * original message id, author id and time, but not the author's signature.
 */
import { isHexId } from '../index.js'
export const MAX_NAME_CHARS = 32
export const MAX_TEXT_CHARS = 2_000
/** Most messages a node keeps for late joiners, and hands over. */
export const HISTORY_MAX_MESSAGES = 50
/** Oldest message a node keeps for late joiners (10 minutes). */
export const HISTORY_MAX_AGE_MS = 10 * 60_000

export interface HistoryEntry {
  /** Message id (64 hex). */
  readonly id: string
  /** Author id (64 hex). */
  readonly author: string
  /** The author's name as the neighbor knew it. */
  readonly name?: string
  /** When the neighbor received it (ms since the epoch). */
  readonly at: number
  readonly text: string
}

export type ChatMessage =
  | { readonly type: 'chat'; readonly text: string }
  | { readonly type: 'name'; readonly name: string }
  | { readonly type: 'history-request'; readonly to: string }
  | { readonly type: 'history'; readonly to: string; readonly entries: readonly HistoryEntry[]; readonly end: boolean }

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodeChat(message: ChatMessage): Uint8Array {
  return encoder.encode(JSON.stringify({ v: 1, ...message }))
}

/** Decodes a chat message; undefined for anything malformed (it came from the network). */
export function decodeChat(bytes: Uint8Array): ChatMessage | undefined {
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(bytes))
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const record = value as Record<string, unknown>
  if (record.v !== 1) return undefined
  if (record.type === 'chat' && typeof record.text === 'string' && record.text.length <= MAX_TEXT_CHARS) {
    return { type: 'chat', text: record.text }
  }
  if (record.type === 'name' && typeof record.name === 'string') {
    const name = cleanName(record.name)
    return name === undefined ? undefined : { type: 'name', name }
  }
  if (record.type === 'history-request' && typeof record.to === 'string' && isHexId(record.to)) {
    return { type: 'history-request', to: record.to }
  }
  if (record.type === 'history' && typeof record.to === 'string' && isHexId(record.to) && Array.isArray(record.entries)) {
    const entries: HistoryEntry[] = []
    for (const raw of record.entries.slice(0, HISTORY_MAX_MESSAGES)) {
      const entry = decodeEntry(raw)
      if (entry !== undefined) entries.push(entry)
    }
    return { type: 'history', to: record.to, entries, end: record.end === true }
  }
  return undefined
}

function decodeEntry(raw: unknown): HistoryEntry | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const r = raw as Record<string, unknown>
  if (typeof r.id !== 'string' || !isHexId(r.id) || typeof r.author !== 'string' || !isHexId(r.author)) return undefined
  if (typeof r.at !== 'number' || !Number.isFinite(r.at) || typeof r.text !== 'string' || r.text.length > MAX_TEXT_CHARS) return undefined
  const name = typeof r.name === 'string' ? cleanName(r.name) : undefined
  return { id: r.id, author: r.author, at: r.at, text: r.text, ...(name === undefined ? {} : { name }) }
}

/**
 * Splits `entries` (oldest first) into `history` payloads of at most `maxBytes` each,
 * the last marked `end`; an entry too large for any payload is left out. Always at
 * least one payload (an empty history says so).
 */
export function encodeHistory(to: string, entries: readonly HistoryEntry[], maxBytes: number): Uint8Array[] {
  const out: Uint8Array[] = []
  let batch: HistoryEntry[] = []
  const fits = (list: HistoryEntry[]) => encodeChat({ type: 'history', to, entries: list, end: true }).length <= maxBytes
  for (const entry of entries) {
    if (fits([...batch, entry])) {
      batch.push(entry)
      continue
    }
    if (batch.length > 0) out.push(encodeChat({ type: 'history', to, entries: batch, end: false }))
    batch = fits([entry]) ? [entry] : []
  }
  out.push(encodeChat({ type: 'history', to, entries: batch, end: true }))
  return out
}

/** A printable name: control characters removed, trimmed, at most MAX_NAME_CHARS; undefined if empty. */
export function cleanName(name: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim().slice(0, MAX_NAME_CHARS)
  return cleaned.length === 0 ? undefined : cleaned
}

/** Chat text safe to print on a terminal (control characters other than tab removed). */
export function cleanText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, '')
}
