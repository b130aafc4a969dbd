/** mDNS records: what we announce, what we accept, and the exact packet sizes. */
import * as dnsPacket from 'dns-packet'
import type { Answer } from 'dns-packet'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_SERVICE_NAME,
  MAX_ANNOUNCED_TOPICS,
  MAX_RECORDS_PER_PACKET,
  asksForService,
  buildAnnouncement,
  buildQuery,
  instanceName,
  parseAnnouncements,
  prepareSelf,
} from '../../src/discovery/mdns-records.js'
import type { ParsedRecord } from '../../src/discovery/mdns-records.js'
import { TicketError } from '../../src/ticket/errors.js'
import { topicIdFromName } from '../../src/ticket/topic.js'
import { NOT_A_POINT, nodeId } from '../ticket/helpers.js'

const SERVICE = DEFAULT_SERVICE_NAME
const ID = nodeId(1)
const T1 = topicIdFromName('one')
const T2 = topicIdFromName('two')

/** Sends records through a real DNS encode/decode, as on the wire. */
function wire(answers: Answer[]): Answer[] {
  return dnsPacket.decode(dnsPacket.encode({ type: 'response', answers })).answers ?? []
}

function txt(strings: string[], name = instanceName(ID, SERVICE)): Answer {
  return { name, type: 'TXT', data: strings }
}

function parseOne(strings: string[], from = '10.200.0.9'): ParsedRecord {
  const results = parseAnnouncements(wire([txt(strings)]), from, SERVICE)
  expect(results).toHaveLength(1)
  return results[0] as ParsedRecord
}

function reason(strings: string[]): string {
  const result = parseOne(strings)
  if (result.ok) throw new Error('expected a rejected record')
  return result.reason
}

describe('announcements round-trip', () => {
  it('parses what we build, through real DNS encoding', () => {
    const self = prepareSelf({ id: ID, addrs: ['192.168.1.7:4000', '[fd00::7]:4000'] })
    const answers = buildAnnouncement(self, [T1, T2], SERVICE)
    expect(answers.map((a) => [a.type, a.name])).toEqual([
      ['PTR', SERVICE],
      ['TXT', instanceName(ID, SERVICE)],
    ])
    expect(instanceName(ID, SERVICE).split('.')[0]).toHaveLength(52)
    expect(parseAnnouncements(wire(answers), '192.168.1.7', SERVICE)).toEqual([
      { ok: true, announcement: { peer: { id: ID, addrs: ['192.168.1.7:4000', '[fd00::7]:4000'] }, topics: [T1, T2] } },
    ])
  })

  it('announces 0.0.0.0:port and [::]:port as p=, read back as the sender address', () => {
    const self = prepareSelf({ id: ID, addrs: ['0.0.0.0:7002', '[::]:7003', '127.0.0.1:7002'] })
    expect(self).toEqual({ id: ID, addrs: ['127.0.0.1:7002'], ports: [7002, 7003] })
    const answers = buildAnnouncement(self, [], SERVICE)
    expect((answers[1] as { data: string[] }).data).toEqual(['v=1', `id=${ID}`, 'a=127.0.0.1:7002', 'p=7002', 'p=7003'])
    expect(parseAnnouncements(wire(answers), '10.200.0.2', SERVICE)).toEqual([
      { ok: true, announcement: { peer: { id: ID, addrs: ['127.0.0.1:7002', '10.200.0.2:7002', '10.200.0.2:7003'] }, topics: [] } },
    ])
  })

  it('a worst-case announcement fits one Ethernet MTU (exact sizes)', () => {
    const addrs = Array.from({ length: 8 }, (_, i) => `[ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff${i}]:65535`)
    const topics = Array.from({ length: MAX_ANNOUNCED_TOPICS }, (_, i) => topicIdFromName(`t${i}`))
    const worst = dnsPacket.encode({ type: 'response', answers: buildAnnouncement(prepareSelf({ id: ID, addrs }), topics, SERVICE) })
    expect(worst.length).toBe(1209)
    expect(worst.length).toBeLessThanOrEqual(1472)
    const typical = dnsPacket.encode({ type: 'response', answers: buildAnnouncement(prepareSelf({ id: ID, addrs: ['0.0.0.0:4000'] }), [T1], SERVICE) })
    expect(typical.length).toBe(347)
    expect(dnsPacket.encode({ type: 'query', questions: buildQuery(SERVICE) }).length).toBe(37)
  })
})

describe('prepareSelf', () => {
  const code = (addrs: string[], id = ID): string => {
    try {
      prepareSelf({ id, addrs })
      return 'ok'
    } catch (err) {
      expect(err).toBeInstanceOf(TicketError)
      return (err as TicketError).code
    }
  }
  it('rejects what cannot be announced', () => {
    expect(code([])).toBe('ERR_NO_ADDRESSES')
    expect(code(['0.0.0.0:0'])).toBe('ERR_INVALID_NODE_ADDRESS')
    expect(code(['localhost:1'])).toBe('ERR_INVALID_NODE_ADDRESS')
    expect(code(['0.0.0.0:5', '[::]:5'])).toBe('ERR_DUPLICATE_ADDRESS')
    expect(code(['1.2.3.4:5', '1.2.3.4:5'])).toBe('ERR_DUPLICATE_ADDRESS')
    expect(code(Array.from({ length: 9 }, (_, i) => `1.2.3.4:${i + 1}`))).toBe('ERR_TOO_MANY_ADDRESSES')
    expect(code(['1.2.3.4:5'], NOT_A_POINT)).toBe('ERR_INVALID_NODE_ID')
  })
})

describe('queries', () => {
  it('recognises PTR and ANY questions for our service, case-insensitively', () => {
    expect(asksForService(buildQuery(SERVICE), SERVICE)).toBe(true)
    expect(asksForService([{ name: '_HEARSAY._udp.local', type: 'PTR' }], SERVICE)).toBe(true)
    expect(asksForService([{ name: SERVICE, type: 'ANY' as 'A' }], SERVICE)).toBe(true) // dns-packet's types omit ANY
    expect(asksForService([{ name: SERVICE, type: 'A' }], SERVICE)).toBe(false)
    expect(asksForService([{ name: '_other._udp.local', type: 'PTR' }], SERVICE)).toBe(false)
    expect(asksForService(undefined, SERVICE)).toBe(false)
  })
})

describe('received records are validated', () => {
  const base = ['v=1', `id=${ID}`, 'a=10.0.0.1:4000']

  it('accepts unknown keys and strings without "=" (forward compatible)', () => {
    expect(parseOne([...base, 'x=new-field', 'flag', `t=${T1}`])).toEqual({
      ok: true,
      announcement: { peer: { id: ID, addrs: ['10.0.0.1:4000'] }, topics: [T1] },
    })
  })

  it('canonicalises addresses and drops duplicate topics and addresses', () => {
    const result = parseOne(['v=1', `id=${ID}`, 'a=[0::1]:4', 'a=[::1]:4', `t=${T1}`, `t=${T1}`])
    expect(result).toEqual({ ok: true, announcement: { peer: { id: ID, addrs: ['[::1]:4'] }, topics: [T1] } })
  })

  it('rejects each malformation with a reason', () => {
    expect(reason(base.slice(1))).toMatch(/unsupported record version null/)
    expect(reason(['v=2', ...base.slice(1)])).toMatch(/unsupported record version \["2"\]/)
    expect(reason([...base, 'v=1'])).toMatch(/unsupported record version/)
    expect(reason(['v=1', 'a=10.0.0.1:4000'])).toMatch(/expected one id, got 0/)
    expect(reason([...base, `id=${nodeId(2)}`])).toMatch(/expected one id, got 2/)
    expect(reason(['v=1', 'id=xyz', 'a=10.0.0.1:4000'])).toMatch(/bad node id "xyz"/)
    expect(reason(['v=1', `id=${NOT_A_POINT}`, 'a=10.0.0.1:4000'])).toMatch(/bad node id/)
    expect(reason(['v=1', `id=${ID}`])).toMatch(/no address/)
    expect(reason(['v=1', `id=${ID}`, ...Array.from({ length: 9 }, (_, i) => `a=10.0.0.${i + 1}:1`)])).toMatch(/9 addresses, at most 8/)
    expect(reason(['v=1', `id=${ID}`, 'a=evil.example:80'])).toMatch(/host names are not allowed/)
    expect(reason(['v=1', `id=${ID}`, 'a=0.0.0.0:80'])).toMatch(/unspecified address/)
    expect(reason(['v=1', `id=${ID}`, 'p=0'])).toMatch(/bad port "0"/)
    expect(reason(['v=1', `id=${ID}`, 'p=65536'])).toMatch(/bad port/)
    expect(reason(['v=1', `id=${ID}`, 'p=08'])).toMatch(/bad port/)
    expect(reason([...base, ...Array.from({ length: 9 }, (_, i) => `t=${topicIdFromName(`x${i}`)}`)])).toMatch(/9 topics, at most 8/)
    expect(reason([...base, `t=${T1.toUpperCase()}`])).toMatch(/bad topic id/)
    expect(reason([...base, 't=short'])).toMatch(/bad topic id "short"/)
    expect(reason([...base, 'x=has space'])).toMatch(/non-printable/)
    expect(reason([...base, 'x=\u00e9'])).toMatch(/non-printable/)
    expect(reason([...base, ...Array.from({ length: 30 }, () => 'x=1')])).toMatch(/33 strings, at most 32/)
  })

  it('p= needs a usable sender address', () => {
    const result = parseOne(['v=1', `id=${ID}`, 'p=4000'], 'not-an-ip')
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/needs the sender's address/) })
    expect(parseOne(['v=1', `id=${ID}`, 'p=4000'], '0.0.0.0')).toEqual({ ok: false, reason: 'cannot use sender address 0.0.0.0' })
    expect(parseOne(['v=1', `id=${ID}`, 'p=4000'], 'fe80::1')).toEqual({ ok: true, announcement: { peer: { id: ID, addrs: ['[fe80::1]:4000'] }, topics: [] } })
  })

  it('ignores records for other services, other types and non-records', () => {
    const other = txt(base, `${instanceName(ID, '_other._udp.local')}`)
    const ptr: Answer = { name: SERVICE, type: 'PTR', data: instanceName(ID, SERVICE) }
    expect(parseAnnouncements([...wire([other, ptr]), null, 42, { type: 'TXT' }, { type: 'TXT', name: 7 }], '10.0.0.1', SERVICE)).toEqual([])
    // the suffix must be a whole label: 'x_hearsay._udp.local' is another service
    expect(parseAnnouncements(wire([txt(base, `abc.x${SERVICE}`)]), '10.0.0.1', SERVICE)).toEqual([])
  })

  it(`examines at most ${MAX_RECORDS_PER_PACKET} records per packet`, () => {
    const records = Array.from({ length: 20 }, (_, i) => txt(['v=1', `id=${nodeId(10 + i)}`, 'a=10.0.0.1:1'], instanceName(nodeId(10 + i), SERVICE)))
    const results = parseAnnouncements(wire(records), '10.0.0.1', SERVICE)
    expect(results).toHaveLength(MAX_RECORDS_PER_PACKET + 1)
    expect(results.filter((r) => r.ok)).toHaveLength(MAX_RECORDS_PER_PACKET)
    expect(results.at(-1)).toEqual({ ok: false, reason: expect.stringMatching(/more than 16 records/) })
  })
})
