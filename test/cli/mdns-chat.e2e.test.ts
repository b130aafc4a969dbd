/**
 * Two chats on one LAN find each other by mDNS and chat without a ticket. The "LAN" is
 * a veth pair between two network namespaces this test creates (10.200.0.1 and
 * 10.200.0.2); nothing multicasts on a real interface. Skips when namespaces cannot be
 * made here (not root, no iproute2).
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createHostPair, netnsUnavailableReason, type HostPair } from '../discovery/netns.js'
import { CliProcess } from './process.js'

const unavailable = netnsUnavailableReason()
const running: CliProcess[] = []
let hosts: HostPair | undefined

afterAll(async () => {
  for (const proc of running) {
    proc.kill()
    await proc.exited
  }
  hosts?.destroy()
})

describe('hearsay open on a LAN (network namespaces)', () => {
  it.skipIf(unavailable !== undefined)(`two chats of the same topic join each other through mDNS, no ticket${unavailable === undefined ? '' : ` (skipped: ${unavailable})`}`, async () => {
    hosts = createHostPair()
    const stateDir = mkdtempSync(join(tmpdir(), 'hearsay-mdns-'))
    const flags = ['--topic', 'lan-lunch', '--json', '--state-dir', stateDir, '--name-interval', '500']
    const alice = new CliProcess(['open', '--name', 'alice', '--listen', `${hosts.addrA}:0`, ...flags], hosts.a)
    const bob = new CliProcess(['open', '--name', 'bob', '--listen', `${hosts.addrB}:0`, ...flags], hosts.b)
    running.push(alice, bob)
    const neighbors = (p: CliProcess) => Number(p.events().filter((e) => e.event === 'status').at(-1)?.neighbors ?? 0)
    await alice.waitFor((p) => neighbors(p) >= 1, 30_000, 'alice to find bob by mDNS')
    await bob.waitFor((p) => neighbors(p) >= 1, 30_000, 'bob to find alice by mDNS')
    alice.type('found you without a ticket')
    await bob.waitFor(
      (p) => p.events().some((e) => e.event === 'message' && e.name === 'alice' && e.text === 'found you without a ticket'),
      15_000,
      "alice's line at bob",
    )
    expect(bob.events().find((e) => e.event === 'neighborUp')?.peer).toBe(alice.events().find((e) => e.event === 'status')?.id)
  })
})
