/**
 * Bad local input to the `hearsay` CLI, with OS processes: an unreadable or corrupt key
 * file, invalid listen addresses, oversized chat lines and stdin closed at once. Each
 * gives a clear message and the exit code README "Usage" documents (0 ok, 1 runtime
 * failure, 2 usage error). Network: 127.0.0.1 only, no mDNS.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { parseTicket } from '../../src/index.js'
import { CliProcess, runCli } from './process.js'

const BIN = fileURLToPath(new URL('../../bin/hearsay.js', import.meta.url))
const running: CliProcess[] = []
afterEach(async () => {
  for (const proc of running.splice(0)) {
    proc.kill()
    await proc.exited
  }
})

const dir = mkdtempSync(join(tmpdir(), 'hearsay-bad-input-'))
const stateDir = join(dir, 'state')
const common = ['--no-mdns', '--listen', '127.0.0.1:0', '--state-dir', stateDir]

function start(args: string[]): CliProcess {
  const proc = new CliProcess(args)
  running.push(proc)
  return proc
}

describe('bad local input', () => {
  it('an unreadable key file (a directory) exits 1 saying why', async () => {
    const keyDir = join(dir, 'key-is-a-dir')
    mkdirSync(keyDir, { recursive: true })
    const result = await runCli(['open', ...common, '--key-file', keyDir])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/cannot read key file \(EISDIR/)
    expect((await runCli(['id', '--key-file', keyDir])).code).toBe(1)
  })

  it('a key file that cannot be created exits 1 saying why', async () => {
    const result = await runCli(['open', ...common, '--key-file', join(dir, 'missing-dir', 'node.key')])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/cannot write key file \(ENOENT/)
    expect(result.stderr).toMatch(/directory does not exist: create it first \(mkdir -p/)
  })

  it('a corrupt key file exits 1 and is left alone', async () => {
    const path = join(dir, 'corrupt.key')
    writeFileSync(path, 'not a key\n')
    const result = await runCli(['open', ...common, '--key-file', path])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/not a hearsay key file/)
    expect(readFileSync(path, 'utf8')).toBe('not a key\n')
  })

  it('an address that is not this machine\'s exits 1 saying what to use instead', async () => {
    const result = await runCli(['open', '--no-mdns', '--listen', '192.0.2.1:0', '--state-dir', stateDir])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/EADDRNOTAVAIL/)
    expect(result.stderr).toMatch(/use one of its addresses, or `--listen 0\.0\.0\.0:0`/)
  })

  it.each([
    ['127.0.0.1:99999', /port out of range/],
    ['127.0.0.1:-1', /port must be a number/],
    ['127.0.0.1', /invalid address/],
    ['[::1', /invalid address/],
  ])('--listen %s exits 2 naming the problem', async (listen, message) => {
    const result = await runCli(['open', '--no-mdns', '--listen', listen])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
  })

  it('stdout closed by its reader (`hearsay open | head -1`): leaves cleanly, exits 0', async () => {
    const child = spawn(process.execPath, [BIN, 'open', ...common], { stdio: ['pipe', 'pipe', 'pipe'] })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    await new Promise((resolve) => child.stdout.once('data', resolve))
    child.stdout.destroy()
    child.stdin.write('/help\n') // more output, into the closed pipe
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    const code = await exited
    clearTimeout(timer)
    expect(code).toBe(0)
  })

  it('a bad ticket exits 2 saying what to do', async () => {
    const result = await runCli(['join', 'hearsay1aaaa', '--no-mdns'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/bad ticket: ticket is truncated/)
    expect(result.stderr).toMatch(/ask someone in the chat for a fresh one \(they type \/ticket\)\n$/)
  })

  it('stdin closed at once: prints the ticket, leaves, exits 0', async () => {
    const result = await runCli(['open', '--json', ...common])
    expect(result.code).toBe(0)
    const ticket = result.stdout.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === 'ticket')
    expect(() => parseTicket(String(ticket?.ticket))).not.toThrow()
  })

  it('oversized lines are refused with a message, the chat goes on, and exits 0 at end of input', async () => {
    const alice = start(['open', '--json', ...common])
    await alice.waitFor((p) => p.events().some((e) => e.event === 'ticket'), 15_000, 'a ticket')
    const ticket = String(alice.events().find((e) => e.event === 'ticket')?.ticket)
    const bob = start(['join', ticket, '--json', ...common])
    await bob.waitFor((p) => p.events().some((e) => e.event === 'status' && Number(e.neighbors) > 0), 15_000, 'a neighbor')
    const infos = () => alice.events().filter((e) => e.event === 'info').map((e) => String(e.text))
    alice.type('x'.repeat(3_000)) // over the 2,000-character chat limit
    await alice.waitFor(() => infos().some((t) => /message not sent: 3000 characters, at most 2000/.test(t)), 10_000, 'the refusal')
    alice.type('€'.repeat(1_999)) // under the character limit, over the 4,096-byte broadcast limit
    await alice.waitFor(() => infos().some((t) => /message not sent: .*exceeds the maximum of 4096 bytes/.test(t)), 10_000, 'the byte refusal')
    alice.type('y'.repeat(1_000_000)) // a 1 MB line
    await alice.waitFor(() => infos().some((t) => /1000000 characters/.test(t)), 10_000, 'the 1 MB refusal')
    alice.type('still chatting')
    await bob.waitFor((p) => p.events().some((e) => e.event === 'message' && e.text === 'still chatting'), 10_000, 'the next line at bob')
    expect(bob.events().filter((e) => e.event === 'message')).toHaveLength(1)
    alice.endInput()
    expect(await alice.exited).toBe(0)
  })
})
