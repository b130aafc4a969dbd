import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { EnvelopeSigner } from '../../src/gossip/node/envelope.js'
import { encodeFrame } from '../../src/gossip/wire/codec.js'
import { parseTicket } from '../../src/index.js'
import { TcpTransport, generateIdentity, loadKeyFile } from '../../src/transport/index.js'
import { CliProcess, runCli } from './process.js'

const running: CliProcess[] = []
afterEach(async () => {
  for (const proc of running.splice(0)) {
    proc.kill()
    await proc.exited
  }
})

const stateDir = mkdtempSync(join(tmpdir(), 'hearsay-e2e-'))
const common = ['--no-mdns', '--listen', '127.0.0.1:0', '--state-dir', stateDir, '--name-interval', '500']

function start(args: string[]): CliProcess {
  const proc = new CliProcess(args)
  running.push(proc)
  return proc
}

const messages = (p: CliProcess) => p.events().filter((e) => e.event === 'message')
const said = (p: CliProcess, name: string, text: string) => messages(p).some((m) => m.name === name && m.text === text)
const neighbors = (p: CliProcess) => {
  const statuses = p.events().filter((e) => e.event === 'status')
  return Number(statuses.at(-1)?.neighbors ?? 0)
}

describe('hearsay open / join between OS processes', () => {
  it('a chat whose key another process also uses is told so, with what to do', async () => {
    const keyFile = join(mkdtempSync(join(tmpdir(), 'hearsay-key-')), 'shared.key')
    const alice = start(['open', '--name', 'alice', '--json', ...common])
    await alice.waitFor((p) => p.events().some((e) => e.event === 'ticket'), 15_000, 'a ticket')
    const bob = start(['join', String(alice.events().find((e) => e.event === 'ticket')?.ticket), '--name', 'bob', '--key-file', keyFile, '--json', ...common])
    await bob.waitFor((p) => p.events().some((e) => e.event === 'ticket'), 15_000, "bob's ticket")
    const bobTicket = parseTicket(String(bob.events().find((e) => e.event === 'ticket')?.ticket))
    const key = await loadKeyFile(keyFile)
    const bobAddr = bobTicket.peers.find((p) => p.id === key.peerId)
    expect(bobAddr).toBeDefined()
    // Another process with bob's key: a message signed with it that bob never sent.
    const { envelope, id } = new EnvelopeSigner(key.secretKey, key.publicKey).seal(bobTicket.topic, new TextEncoder().encode('not from bob'))
    const other = await TcpTransport.create({ identity: generateIdentity() })
    try {
      const conn = await other.dial(key.peerId, bobAddr?.addrs ?? [])
      conn.send(encodeFrame([{ topic: bobTicket.topic, message: { type: 'gossip', id, origin: key.peerId, content: envelope, round: 0, scope: 'swarm' } }]))
      const warned = (p: CliProcess) =>
        p.events().some((e) => e.event === 'info' && /your key is in use by another process elsewhere.*another --key-file/.test(String(e.text)))
      await bob.waitFor(warned, 10_000, 'the key-in-use notice at bob')
      expect(warned(alice)).toBe(false)
    } finally {
      await other.close()
    }
  }, 60_000)

  it('three chats exchange lines with the right names, and survive the ticket creator dying', async () => {
    const alice = start(['open', '--name', 'alice', '--json', ...common])
    await alice.waitFor((p) => p.events().some((e) => e.event === 'ticket'), 15_000, 'a ticket')
    const ticket = String(alice.events().find((e) => e.event === 'ticket')?.ticket)
    expect(parseTicket(ticket).peers[0]?.addrs[0]).toMatch(/^127\.0\.0\.1:\d+$/)

    const bob = start(['join', ticket, '--name', 'bob', '--json', ...common])
    const carol = start(['join', ticket, '--name', 'carol', '--json', ...common])
    for (const p of [alice, bob, carol]) await p.waitFor((q) => neighbors(q) >= 1, 15_000, 'a neighbor')

    alice.type('hello from alice')
    await bob.waitFor((p) => said(p, 'alice', 'hello from alice'), 10_000, "alice's line at bob")
    await carol.waitFor((p) => said(p, 'alice', 'hello from alice'), 10_000, "alice's line at carol")
    await carol.waitFor((p) => p.events().some((e) => e.event === 'name' && e.name === 'bob'), 10_000, "bob's name at carol")
    bob.type('bob here')
    await carol.waitFor((p) => said(p, 'bob', 'bob here'), 10_000, "bob's line at carol")
    await alice.waitFor((p) => said(p, 'bob', 'bob here'), 10_000, "bob's line at alice")
    expect(messages(bob).some((m) => m.text === 'bob here')).toBe(false) // no echo of one's own lines

    // `hearsay ticket` finds the running chats and prints tickets that include neighbors.
    const listed = await runCli(['ticket', '--json', '--state-dir', stateDir])
    expect(listed.code).toBe(0)
    const entries = listed.stdout.split('\n').map((l) => JSON.parse(l) as { pid: number; ticket: string })
    const alicesTicket = parseTicket(entries.find((e) => e.pid === alice.pid)?.ticket ?? '')
    expect(alicesTicket.peers.length).toBeGreaterThan(1)
    expect(entries.find((e) => e.pid === alice.pid)).toMatchObject({ name: 'alice', connected: true })
    // Human listing: topic, name, age and neighbors of each chat, then its ticket.
    const human = await runCli(['ticket', '--state-dir', stateDir])
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(new RegExp(`^topic [0-9a-f]{8}, alice, up \\d+ s, \\d neighbors? \\(pid ${alice.pid}\\): hearsay1`, 'm'))
    expect(human.stdout).toMatch(/^topic [0-9a-f]{8}, bob, up \d+ s, \d neighbors? \(pid \d+\): hearsay1/m)

    alice.kill('SIGKILL')
    await alice.exited
    carol.type('alice is gone')
    await bob.waitFor((p) => said(p, 'carol', 'alice is gone'), 15_000, "carol's line at bob after alice died")
  })

  it('human output: `name: text` lines, system lines, and a clean exit when stdin ends', async () => {
    const alice = start(['open', '--name', 'alice', '--topic', 'e2e-human', ...common])
    await alice.waitFor((p) => p.lines.some((l) => l.startsWith('-- ticket for topic')), 15_000, 'a ticket line')
    const ticket = alice.lines.find((l) => l.startsWith('-- ticket'))?.split(': ')[1] ?? ''
    const bob = start(['join', ticket, '--name', 'bob', ...common])
    await alice.waitFor((p) => p.lines.some((l) => l.includes('1 neighbor')), 15_000, 'status line')
    await bob.waitFor((p) => p.lines.some((l) => /^-- alice|is alice$/.test(l) || l.includes('is alice')), 10_000, "alice's name")
    alice.type('hi bob')
    await bob.waitFor((p) => p.lines.includes('alice: hi bob'), 10_000, 'the chat line')
    alice.endInput()
    expect(await alice.exited).toBe(0)
    await bob.waitFor((p) => p.lines.some((l) => l.startsWith('-- neighbor down: alice') && l.endsWith('(disconnected)')), 10_000, 'neighbor down')
  })

  it.each([
    [['join', 'hearsay1notaticket'], /bad ticket/],
    [['join', 'nope'], /bad ticket: not a hearsay ticket/],
    [['open', '--listen', 'localhost'], /invalid address "localhost"/],
    [['open', '--topic', ''], /invalid --topic/],
    [['frobnicate'], /unknown command/],
  ])('`hearsay %j` exits 2 with a message saying what is wrong', async (args, message) => {
    const result = await runCli([...args, '--no-mdns'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
  })

  it('a port already in use is a runtime failure (exit 1) with a clear message', async () => {
    const alice = start(['open', '--json', ...common])
    await alice.waitFor((p) => p.events().some((e) => e.event === 'ticket'), 15_000, 'a ticket')
    const port = parseTicket(String(alice.events().find((e) => e.event === 'ticket')?.ticket)).peers[0]?.addrs[0]?.split(':')[1]
    const result = await runCli(['open', '--no-mdns', '--listen', `127.0.0.1:${port}`])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/EADDRINUSE|in use/)
    expect(result.stderr).toMatch(/pick another one, or `--listen 0\.0\.0\.0:0` for a free one/)
  })
})
