/**
 * The chat's messages inside hearsay broadcasts: small JSON objects. Who sent a message
 * is not part of it: the node's signed envelope says who the author is, so a name
 * announcement can only name its own author.
 */
export const MAX_NAME_CHARS = 32
export const MAX_TEXT_CHARS = 2_000

export type ChatMessage =
  | { readonly type: 'chat'; readonly text: string }
  | { readonly type: 'name'; readonly name: string }

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
  return undefined
}

/** A printable name: control characters removed, trimmed, at most MAX_NAME_CHARS; undefined if empty. */
export function cleanName(name: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, MAX_NAME_CHARS)
  return cleaned.length === 0 ? undefined : cleaned
}

/** Chat text safe to print on a terminal (control characters other than tab removed). */
export function cleanText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, '')
}
