/**
 * The chat as a person sees it: real `hearsay` processes in pseudo-terminals (tmux
 * panes), the screen read back and asserted. Peers that only need to be checked
 * precisely run piped with --json. Network: 127.0.0.1 only, no mDNS. Skips without tmux.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseTicket } from '../../src/index.js'
import { CliProcess, runCli } from './process.js'
import { TtySession, ttyUnavailableReason } from './tty.js'

const unavailable = ttyUnavailableReason()
const skipNote = unavailable === undefined ? '' : ` (skipped: ${unavailable})`
const stateDir = mkdtempSync(join(tmpdir(), 'hearsay-tty-'))
const common = ['--no-mdns', '--listen', '127.0.0.1:0', '--state-dir', stateDir, '--name-interval', '500']

const procs: CliProcess[] = []
const ttys: TtySession[] = []
afterEach(async () => {
  for (const tty of ttys.splice(0)) tty.kill()
  for (const proc of procs.splice(0)) {
    proc.kill()
    await proc.exited
  }
})

function piped(args: string[]): CliProcess {
  const proc = new CliProcess(args)
  procs.push(proc)
  return proc
}

function tty(args: string[], columns = 100): TtySession {
  const session = new TtySession(args, { columns, env: { NO_COLOR: '1' } })
  ttys.push(session)
  return session
}

async function ticketOf(proc: CliProcess): Promise<string> {
  await proc.waitFor((p) => p.events().some((e) => e.event === 'ticket'), 15_000, 'a ticket')
  return String(proc.events().find((e) => e.event === 'ticket')?.ticket)
}

const neighbors = (p: CliProcess) => Number(p.events().filter((e) => e.event === 'status').at(-1)?.neighbors ?? 0)
const texts = (p: CliProcess) => p.events().filter((e) => e.event === 'message').map((e) => String(e.text))
const TIME = '\\d\\d:\\d\\d'

describe.skipIf(unavailable !== undefined)(`the chat in a terminal${skipNote}`, () => {
  it('a message arriving while a line is half typed leaves the prompt and that line intact; Enter sends it, shown like everyone else', async () => {
    const alice = piped(['open', '--name', 'alice', '--json', ...common])
    const bob = tty(['join', await ticketOf(alice), '--name', 'bob', ...common], 60)
    await bob.waitFor((s) => s.text().includes('alice'), 15_000, "alice's name at bob")
    // Wide characters and emoji, and a line longer than the 60-column terminal.
    const half = `half typed 日本語 🎉 ${'x'.repeat(50)} end`
    bob.typeSlowly(half)
    await bob.waitFor((s) => s.text().includes(half), 5_000, 'the half-typed line')
    alice.type('interrupting you, bob')
    await bob.waitFor((s) => new RegExp(`^${TIME} alice: interrupting you, bob$`, 'm').test(s.text()), 10_000, "alice's line at bob")
    const text = bob.text().trimEnd()
    expect(text.endsWith(`bob> ${half}`)).toBe(true)
    expect(text.split('\n').filter((l) => l.includes('half typed'))).toHaveLength(1)

    bob.press('Enter')
    await alice.waitFor((p) => texts(p).includes(half), 10_000, "bob's line at alice")
    await bob.waitFor((s) => new RegExp(`^${TIME} bob: half typed`, 'm').test(s.text()), 5_000, "bob's own line, formatted")
    expect(bob.text().includes(`bob> ${half}`)).toBe(false) // the raw echo was replaced
    expect(bob.screen().at(-1)).toBe('bob>')

    // History of typed lines: Up brings the last one back.
    bob.press('Up')
    await bob.waitFor((s) => s.screen().at(-1)?.startsWith('bob> half typed') === true || s.text().trimEnd().endsWith(`bob> ${half}`), 5_000, 'the recalled line')
  })

  it('/help and an unknown command are answered locally and never reach the other peer; /name is announced', async () => {
    const alice = piped(['open', '--name', 'alice', '--json', ...common])
    const bob = tty(['join', await ticketOf(alice), '--name', 'bob', ...common])
    await alice.waitFor((p) => neighbors(p) >= 1, 15_000, 'bob as a neighbor')
    await bob.waitFor((s) => s.text().includes('-- connected'), 15_000, 'bob connected')
    bob.line('/help')
    await bob.waitFor((s) => s.text().includes('/name <new>') && s.text().includes('/quit'), 5_000, 'the help')
    bob.line('/neigbors')
    await bob.waitFor((s) => s.text().includes('unknown command /neigbors: not sent'), 5_000, 'the refusal')
    bob.line('/neighbors')
    await bob.waitFor((s) => /-- neighbors: alice/.test(s.text()), 5_000, 'the neighbors')
    bob.line('//slash is fine doubled')
    bob.line('after the commands')
    await alice.waitFor((p) => texts(p).includes('after the commands'), 10_000, "bob's line at alice")
    expect(texts(alice)).toEqual(['/slash is fine doubled', 'after the commands'])

    bob.line('/name robert')
    await bob.waitFor((s) => s.text().includes('-- you are now robert'), 5_000, 'the rename here')
    await bob.waitFor((s) => s.screen().at(-1) === 'robert>', 5_000, 'the new prompt')
    await alice.waitFor((p) => p.events().some((e) => e.event === 'name' && e.name === 'robert' && e.previous === 'bob'), 10_000, 'the rename at alice')
    bob.line('/quit')
    await bob.waitFor((s) => s.exitCode() !== undefined, 10_000, 'bob to exit')
    expect(bob.exitCode()).toBe(0)
  })

  it('a late joiner sees the recent history oldest first, marked, then live lines', async () => {
    const alice = piped(['open', '--name', 'alice', '--json', ...common])
    const ticket = await ticketOf(alice)
    const bob = piped(['join', ticket, '--name', 'bob', '--json', ...common])
    await bob.waitFor((p) => neighbors(p) >= 1 && p.events().some((e) => e.event === 'name' && e.name === 'alice'), 15_000, 'bob connected')
    for (const line of ['one', 'two', 'three']) alice.type(line)
    await bob.waitFor((p) => texts(p).includes('three'), 10_000, "alice's lines at bob")
    bob.type('four')
    await alice.waitFor((p) => texts(p).includes('four'), 10_000, "bob's line at alice")

    const carol = tty(['join', ticket, '--name', 'carol', ...common])
    await carol.waitFor((s) => s.text().includes('-- end of history'), 15_000, 'the history')
    alice.type('live five')
    await carol.waitFor((s) => s.text().includes('alice: live five'), 10_000, 'a live line')
    const lines = carol.text().split('\n')
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l))
    const start = at(/^-- history: the last 4 messages before you joined, oldest first/)
    const chat = lines.filter((l) => new RegExp(`^${TIME} (alice|bob): `).test(l)).map((l) => l.slice(6))
    expect(start).toBeGreaterThanOrEqual(0)
    expect(chat).toEqual(['alice: one', 'alice: two', 'alice: three', 'bob: four', 'alice: live five'])
    expect(at(/alice: one$/)).toBeGreaterThan(start)
    expect(at(/bob: four$/)).toBeLessThan(at(/^-- end of history$/))
    expect(at(/alice: live five$/)).toBeGreaterThan(at(/^-- end of history$/))
  })

  it('two "bob"s are told apart by a short id suffix', async () => {
    const alice = tty(['open', '--name', 'alice', ...common])
    await alice.waitFor((s) => /hearsay1[a-z0-9]+/.test(s.text()), 15_000, 'a ticket')
    const ticket = /hearsay1[a-z0-9]+/.exec(alice.text())?.[0] ?? ''
    const bob1 = piped(['join', ticket, '--name', 'bob', '--json', ...common])
    const bob2 = piped(['join', ticket, '--name', 'bob', '--json', ...common])
    const idOf = (p: CliProcess) => String(p.events().find((e) => e.event === 'status')?.id)
    for (const p of [bob1, bob2]) await p.waitFor((q) => neighbors(q) >= 1, 15_000, 'a neighbor')
    await alice.waitFor((s) => (s.text().match(/ is bob$/gm) ?? []).length >= 2, 10_000, 'both names at alice')
    bob1.type('first bob here')
    bob2.type('second bob here')
    await alice.waitFor((s) => s.text().includes(`bob#${idOf(bob1).slice(0, 4)}: first bob here`), 10_000, 'first bob with suffix')
    await alice.waitFor((s) => s.text().includes(`bob#${idOf(bob2).slice(0, 4)}: second bob here`), 10_000, 'second bob with suffix')
  })

  it('a dead ticket: progress, the failure notice within the join timeout, lines queued; it keeps retrying and sends them once the peer is back', async () => {
    const keyFile = join(stateDir, 'alice.key')
    const alice = piped(['open', '--json', '--key-file', keyFile, ...common])
    const ticket = await ticketOf(alice)
    const port = parseTicket(ticket).peers[0]?.addrs[0]?.split(':')[1] ?? ''
    alice.kill()
    await alice.exited
    const bob = tty(['join', ticket, '--name', 'bob', '--join-timeout', '2000', ...common])
    await bob.waitFor((s) => s.text().includes('-- trying 1 peer from the ticket…'), 10_000, 'the progress line')
    const started = Date.now()
    await bob.waitFor((s) => s.text().includes('no peer from the ticket answered within 2 s'), 6_000, 'the failure notice')
    expect(Date.now() - started).toBeLessThan(5_000)
    const text = bob.text().replace(/\n/g, ' ')
    expect(text).toMatch(/fresh ticket \(they type \/ticket\)/)
    expect(text).toMatch(/Still retrying in the background/)
    bob.line('anyone?')
    await bob.waitFor((s) => s.text().includes('line queued (1 waiting)'), 5_000, 'the queued notice')
    expect(bob.exitCode()).toBeUndefined()
    expect(bob.text()).not.toMatch(/hearsay1/) // no ticket naming only itself
    // `hearsay ticket` marks it not connected and hands out the ticket it joined with.
    const listed = await runCli(['ticket', '--json', '--state-dir', stateDir])
    const entries = listed.stdout.split('\n').map((l) => JSON.parse(l) as { connected?: boolean; ticket: string; name?: string })
    expect(entries).toContainEqual(expect.objectContaining({ connected: false, ticket, name: 'bob' }))

    // The same peer (identity and address) comes back: bob's retries reach it.
    const back = piped(['open', '--json', '--topic', parseTicket(ticket).topic, '--key-file', keyFile, '--no-mdns', '--listen', `127.0.0.1:${port}`, '--state-dir', stateDir])
    await back.waitFor((p) => texts(p).includes('anyone?'), 20_000, 'the queued line at the returned peer')
    await bob.waitFor((s) => s.text().includes('-- sent 1 queued line') && /hearsay1/.test(s.text()), 5_000, 'the sent notice and a ticket')
  })
})

describe('the chat piped (stdin and stdout not terminals)', () => {
  it('a dead ticket exits with code 3 after the join timeout, saying what to do', async () => {
    const alice = piped(['open', '--json', ...common])
    const ticket = await ticketOf(alice)
    alice.kill()
    await alice.exited
    const bob = piped(['join', ticket, '--join-timeout', '1500', ...common])
    const code = await Promise.race([bob.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 10_000))])
    expect(code).toBe(3)
    expect(bob.lines.join('\n')).toMatch(/no peer from the ticket answered within 1.5 s .* Ask someone in the chat for a fresh ticket/)
    // --quiet leaves out system lines: the failure then says so on stderr.
    const quiet = piped(['join', ticket, '--quiet', '--join-timeout', '1000', ...common])
    expect(await quiet.exited).toBe(3)
    expect(quiet.stderr.join('')).toMatch(/no peer from the ticket answered within 1 s/)
  })

  it('lines typed before the first neighbor are queued and sent once one is up; --json events carry ts, id and author', async () => {
    const alice = piped(['open', '--name', 'alice', '--json', ...common])
    const ticket = await ticketOf(alice)
    alice.type('said before anyone came')
    await alice.waitFor((p) => p.events().some((e) => e.event === 'info' && /line queued \(1 waiting\)/.test(String(e.text))), 5_000, 'the queued notice')
    const bob = piped(['join', ticket, '--name', 'bob', '--json', ...common])
    await bob.waitFor((p) => texts(p).includes('said before anyone came'), 15_000, 'the queued line at bob')
    await alice.waitFor((p) => p.events().some((e) => e.event === 'info' && e.text === 'sent 1 queued line'), 5_000, 'the sent notice')
    const aliceId = String(alice.events().find((e) => e.event === 'status')?.id)
    const message = bob.events().find((e) => e.event === 'message')
    expect(message).toMatchObject({ author: aliceId, from: aliceId, name: 'alice' })
    expect(String(message?.id)).toMatch(/^[0-9a-f]{64}$/)
    for (const event of bob.events()) expect(new Date(String(event.ts)).toISOString()).toBe(event.ts)
    expect(texts(bob)).toEqual(['said before anyone came'])
    // The joiner's own ticket comes only once it has a neighbor, after the progress line.
    const kinds = bob.events().map((e) => (e.event === 'info' ? String(e.text).slice(0, 6) : e.event))
    expect(kinds.indexOf('ticket')).toBeGreaterThan(kinds.indexOf('neighborUp'))
    expect(kinds[0]).toBe('trying')
  })
})
