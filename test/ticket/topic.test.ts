/** Topic ids from names, and parsing user input as a topic. */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { TicketError } from '../../src/ticket/errors.js'
import { MAX_TOPIC_NAME_BYTES, isTopicId, parseTopic, topicIdFromName, validateTopicId } from '../../src/ticket/topic.js'

const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex')

describe('topicIdFromName', () => {
  it('is sha256 of "hearsay-topic:" + name (golden)', () => {
    expect(topicIdFromName('chat')).toBe('7924713f102cffe33eb77e04eb548eb32c578ac4fe7af7ea07e422b3f419f64f')
    expect(topicIdFromName('chat')).toBe(sha256Hex('hearsay-topic:chat'))
    expect(topicIdFromName('Chat')).not.toBe(topicIdFromName('chat'))
    expect(topicIdFromName(' chat')).not.toBe(topicIdFromName('chat'))
  })

  it('normalises names to NFC', () => {
    const composed = 'caf\u00e9'
    const decomposed = 'cafe\u0301'
    expect(topicIdFromName(decomposed)).toBe(topicIdFromName(composed))
    expect(topicIdFromName(composed)).toBe(sha256Hex(`hearsay-topic:${composed}`))
  })

  it('rejects empty and over-long names', () => {
    expect(() => topicIdFromName('')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_TOPIC' }))
    expect(topicIdFromName('x'.repeat(MAX_TOPIC_NAME_BYTES))).toHaveLength(64)
    expect(() => topicIdFromName('x'.repeat(MAX_TOPIC_NAME_BYTES + 1))).toThrow(TicketError)
    // Counted in UTF-8 bytes: 86 three-byte characters are 258 bytes.
    expect(() => topicIdFromName('\u20ac'.repeat(86))).toThrow(/258 bytes/)
  })
})

describe('parseTopic', () => {
  it('takes 64 hex chars as an id (any case, trimmed)', () => {
    const id = topicIdFromName('chat')
    expect(parseTopic(id)).toBe(id)
    expect(parseTopic(`  ${id.toUpperCase()}\n`)).toBe(id)
  })

  it('takes anything else as a name, trimmed', () => {
    expect(parseTopic('  chat  ')).toBe(topicIdFromName('chat'))
    expect(parseTopic('a'.repeat(63))).toBe(topicIdFromName('a'.repeat(63)))
    expect(parseTopic('g'.repeat(64))).toBe(topicIdFromName('g'.repeat(64)))
    expect(() => parseTopic('   ')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_TOPIC' }))
  })
})

describe('validateTopicId', () => {
  it('accepts lower-case 64 hex only', () => {
    const id = topicIdFromName('x')
    expect(isTopicId(id)).toBe(true)
    expect(validateTopicId(id)).toBe(id)
    expect(isTopicId(id.toUpperCase())).toBe(false)
    expect(() => validateTopicId(id.slice(1), 'topic')).toThrow(/topic: expected 64 lower-case hex chars/)
    expect(() => validateTopicId(42)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_TOPIC' }))
  })
})
