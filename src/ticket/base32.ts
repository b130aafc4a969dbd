/**
 * RFC 4648 base32 in lower case, without padding: the alphabet `a-z2-7` is all letters
 * and digits, so a ticket is selected whole by a double click and survives chat apps
 * and terminals. Decoding is strict: one string per byte sequence (no upper case, no
 * padding, no non-zero bits in the last character).
 */
import { TicketError } from './errors.js'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'
const VALUES = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]))

/** Lower-case base32 of `bytes`, no padding. */
export function base32Encode(bytes: Uint8Array): string {
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += ALPHABET[(buffer >>> bits) & 31]
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31]
  return out
}

/** Characters needed for `byteLength` bytes. */
export function base32Length(byteLength: number): number {
  return Math.ceil((byteLength * 8) / 5)
}

/**
 * Decodes lower-case unpadded base32. `offset` is added to reported character positions
 * (the position in the whole ticket). Throws TicketError `ERR_TICKET_CHARACTERS` or
 * `ERR_TICKET_ENCODING`.
 */
export function base32Decode(text: string, offset = 0): Uint8Array {
  const leftoverBits = (text.length * 5) % 8
  const out = new Uint8Array(Math.floor((text.length * 5) / 8))
  let buffer = 0
  let bits = 0
  let index = 0
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string
    const value = VALUES.get(char)
    if (value === undefined) {
      const hint = /[A-Z]/.test(char) ? ' (tickets are lower case)' : /[018]/.test(char) ? ' (0, 1 and 8 are not base32 digits)' : ''
      throw new TicketError('ERR_TICKET_CHARACTERS', `ticket has an invalid character ${JSON.stringify(char)} at position ${offset + i}${hint}`)
    }
    buffer = ((buffer << 5) | value) & 0xffff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[index++] = (buffer >>> bits) & 0xff
    }
  }
  if (leftoverBits >= 5) {
    throw new TicketError('ERR_TICKET_ENCODING', `ticket body has an impossible length (${text.length} characters): a character is missing or extra`)
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) {
    throw new TicketError('ERR_TICKET_ENCODING', 'ticket ends in a character with non-zero padding bits: the last character is wrong')
  }
  return out
}
