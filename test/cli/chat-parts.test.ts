/**
 * The chat's parts without processes: display width, colours and NO_COLOR, name labels
 * (`bob#7b37`), the output formats (terminal, pipe, --json with ts), the history
 * messages and their size bound, and the order of ticket addresses.
 */
import { describe, expect, it } from 'vitest'
import { addressRank, ticketable } from '../../src/cli/chat.js'
import { decodeChat, encodeChat, encodeHistory, HISTORY_MAX_MESSAGES, type HistoryEntry } from '../../src/cli/chat-protocol.js'
import { colorsWanted, displayWidth, paint, rowsOf } from '../../src/cli/format.js'
import { NameBook } from '../../src/cli/names.js'
import { Output, type OutputEvent } from '../../src/cli/output.js'

const id = (c: string) => c.repeat(64)

describe('display width', () => {
  it('counts wide characters and emoji as two columns, combining marks and colour codes as none', () => {
    expect(displayWidth('abc')).toBe(3)
    expect(displayWidth('日本語')).toBe(6)
    expect(displayWidth('🎉')).toBe(2)
    expect(displayWidth('e\u0301')).toBe(1)
    expect(displayWidth('\u001b[31mred\u001b[39m')).toBe(3)
    expect(rowsOf('x'.repeat(79), 80)).toBe(1)
    expect(rowsOf('x'.repeat(80), 80)).toBe(2) // the cursor goes to the next row
    expect(rowsOf('x'.repeat(81), 80)).toBe(2)
    expect(rowsOf('', 80)).toBe(1)
    expect(rowsOf('日'.repeat(41), 80)).toBe(2)
  })
})

describe('colours', () => {
  it('only on a terminal, without NO_COLOR, without --no-color', () => {
    expect(colorsWanted(true, {}, true)).toBe(true)
    expect(colorsWanted(false, {}, true)).toBe(false)
    expect(colorsWanted(true, { NO_COLOR: '1' }, true)).toBe(false)
    expect(colorsWanted(true, { NO_COLOR: '' }, true)).toBe(true)
    expect(colorsWanted(true, {}, false)).toBe(false)
  })

  it('one stable colour per author', () => {
    const p = paint(true)
    expect(p.author(id('a'), 'x')).toBe(p.author(id('a'), 'x'))
    expect(p.author(id('a'), 'x')).toMatch(/^\u001b\[\d+mx\u001b\[39m$/)
    expect(paint(false).author(id('a'), 'x')).toBe('x')
  })
})

describe('names', () => {
  it('a name two ids share gets a short id suffix, the own name included', () => {
    const book = new NameBook(id('0'), 'alice')
    const bob1 = `7b37${'1'.repeat(60)}`
    const bob2 = `c0de${'2'.repeat(60)}`
    expect(book.label(bob1)).toBe(bob1.slice(0, 8))
    expect(book.set(bob1, 'bob')).toBeUndefined()
    expect(book.label(bob1)).toBe('bob')
    expect(book.set(bob1, 'bob')).toBe(false)
    book.set(bob2, 'bob')
    expect(book.label(bob1)).toBe('bob#7b37')
    expect(book.label(bob2)).toBe('bob#c0de')
    expect(book.set(bob2, 'robert')).toBe('bob')
    expect(book.label(bob1)).toBe('bob')
    const alice2 = `aaaa${'3'.repeat(60)}`
    book.set(alice2, 'alice')
    expect(book.label(alice2)).toBe('alice#aaaa')
    expect(book.label(id('0'))).toBe('alice#0000')
    expect(book.set(id('0'), 'mallory')).toBe(false) // nobody renames us from outside
  })
})

describe('output', () => {
  const message: OutputEvent = { event: 'message', id: id('e'), from: id('a'), author: id('a'), name: 'alice', text: 'hi', atMs: Date.UTC(2026, 0, 2, 3, 4) }
  const lines = (options: { json?: boolean; decorate?: boolean; color?: boolean }, events: OutputEvent[]) => {
    const out: string[] = []
    const output = new Output({ json: false, quiet: false, ...options, write: (l) => out.push(l), now: () => Date.UTC(2026, 0, 2, 3, 5) })
    for (const e of events) output.print(e)
    return out
  }

  it('piped: `name: text`, history marked, own lines never', () => {
    expect(lines({}, [message, { ...message, history: true }, { ...message, own: true }])).toEqual(['alice: hi', '(history) alice: hi', 'alice: hi'])
  })

  it('a message caught up after a partition is marked late, with the time it was sent; --json says late', () => {
    expect(lines({}, [{ ...message, late: true }])).toEqual(['(late) alice: hi'])
    expect(lines({ decorate: true }, [{ ...message, late: true }])[0]).toMatch(/^\d\d:04 \(late\) alice: hi$/)
    expect(JSON.parse(lines({ json: true }, [{ ...message, late: true }])[0] ?? '{}')).toMatchObject({ late: true, ts: '2026-01-02T03:04:00.000Z' })
  })

  it('on a terminal: time first, colours only when asked', () => {
    const [plain] = lines({ decorate: true }, [message])
    expect(plain).toMatch(/^\d\d:04 alice: hi$/)
    const [colored] = lines({ decorate: true, color: true }, [message])
    expect(colored).toContain('\u001b[')
    expect(colored?.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain)
  })

  it('--json: ts (ISO) on every event, message id and author id, no own lines', () => {
    const out = lines({ json: true }, [message, { ...message, own: true }, { event: 'info', text: 'x' }]).map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(out).toHaveLength(2)
    expect(out[0]).toMatchObject({ event: 'message', id: id('e'), author: id('a'), from: id('a'), ts: '2026-01-02T03:04:00.000Z' })
    expect(out[1]).toMatchObject({ event: 'info', ts: '2026-01-02T03:05:00.000Z' })
  })

  it('messages of an author that will not arrive are said, with how many; --json carries the count', () => {
    expect(lines({}, [{ event: 'gap', from: id('a'), name: 'alice', missed: 3 }])).toEqual(['-- 3 messages from alice (aaaaaaaa) did not arrive in time'])
    expect(lines({}, [{ event: 'gap', from: id('a'), missed: 1 }])).toEqual(['-- 1 message from aaaaaaaa did not arrive in time'])
    expect(JSON.parse(lines({ json: true }, [{ event: 'gap', from: id('a'), name: 'alice', missed: 3 }])[0] ?? '{}')).toMatchObject({ event: 'gap', from: id('a'), missed: 3 })
  })

  it('a name change says who it was', () => {
    expect(lines({}, [{ event: 'name', from: id('b'), name: 'robert', previous: 'bob' }])).toEqual(['-- bob is now robert (bbbbbbbb)'])
  })
})

describe('history messages', () => {
  const entry = (n: number, text = `message ${n}`): HistoryEntry => ({ id: n.toString(16).padStart(64, '0'), author: id('a'), name: 'alice', at: 1_000 + n, text })

  it('round-trip, split to fit the broadcast limit, oldest first, the last marked end', () => {
    const entries = Array.from({ length: HISTORY_MAX_MESSAGES }, (_, i) => entry(i, 'x'.repeat(300)))
    const payloads = encodeHistory(id('b'), entries, 4096)
    expect(payloads.length).toBeGreaterThan(1)
    for (const p of payloads) expect(p.length).toBeLessThanOrEqual(4096)
    const decoded = payloads.map((p) => decodeChat(p))
    const all = decoded.flatMap((d) => (d?.type === 'history' ? d.entries : []))
    expect(all.map((e) => e.at)).toEqual(entries.map((e) => e.at))
    expect(decoded.map((d) => d?.type === 'history' && d.end)).toEqual(payloads.map((_, i) => i === payloads.length - 1))
  })

  it('an empty history is one payload saying so; malformed entries are dropped', () => {
    const [only] = encodeHistory(id('b'), [], 4096)
    expect(decodeChat(only as Uint8Array)).toEqual({ type: 'history', to: id('b'), entries: [], end: true })
    const bad = encodeChat({ type: 'history', to: id('b'), entries: [{ id: 'nope', author: id('a'), at: 1, text: 'x' }, entry(1)], end: true })
    const decoded = decodeChat(bad)
    expect(decoded?.type === 'history' ? decoded.entries.length : -1).toBe(1)
    expect(decodeChat(encodeChat({ type: 'history-request', to: 'short' }))).toBeUndefined()
  })
})

describe('ticket addresses', () => {
  it('routable first, link-local next, loopback last', () => {
    expect(addressRank('127.0.0.1:1')).toBe(2)
    expect(addressRank('[::1]:1')).toBe(2)
    expect(addressRank('169.254.1.2:1')).toBe(1)
    expect(addressRank('192.168.1.20:1')).toBe(0)
    const peer = { id: id('a'), addrs: ['127.0.0.1:4000', '10.0.0.5:4000', '169.254.3.4:4000', '203.0.113.9:4000'] }
    expect(ticketable(peer).addrs).toEqual(['10.0.0.5:4000', '203.0.113.9:4000', '169.254.3.4:4000', '127.0.0.1:4000'])
  })
})
