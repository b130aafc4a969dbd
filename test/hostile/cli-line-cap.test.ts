/**
 * The chat CLI caps a line while it is read: a huge input without a newline is discarded
 * as it streams in (with the usual "message not sent" notice), never held whole.
 */
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mkdtempSync } from 'node:fs'
import { PassThrough, Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { CappedLineReader, type InputLine } from '../../src/cli/line-reader.js'
import { CliProcess } from '../cli/process.js'

async function collect(reader: CappedLineReader): Promise<InputLine[]> {
  const out: InputLine[] = []
  for await (const line of reader) out.push(line)
  return out
}

describe('CLI line cap', () => {
  it('splits lines on LF, CRLF and CR across chunk boundaries; a line past the cap is discarded and measured', async () => {
    const input = Readable.from([Buffer.from('hello\r'), Buffer.from('\nwor'), Buffer.from('ld\n'), Buffer.from('x'.repeat(25)), Buffer.from('y'.repeat(25) + '\nlast'), Buffer.from('€')])
    const lines = await collect(new CappedLineReader(input, 20))
    expect(lines).toEqual([{ line: 'hello' }, { line: '' }, { line: 'world' }, { tooLong: 50 }, { line: 'last€' }])
  })

  it('50 MiB without a newline: memory stays flat, one too-long notice, the next line is read', async () => {
    const input = new PassThrough()
    const reader = new CappedLineReader(input, 8_000)
    const chunk = Buffer.alloc(1 << 20, 0x78)
    const done = collect(reader)
    const heapBefore = process.memoryUsage().heapUsed
    let heapPeak = heapBefore
    for (let i = 0; i < 50; i++) {
      if (!input.write(chunk)) await new Promise((resolve) => input.once('drain', resolve))
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)
    }
    input.end('\nafter\n')
    const lines = await done
    console.log(`[measure] 50 MiB line through the capped reader: heap grew by at most ${((heapPeak - heapBefore) / 1048576).toFixed(1)} MiB`)
    expect(lines).toEqual([{ tooLong: 50 << 20 }, { line: 'after' }])
    expect(heapPeak - heapBefore).toBeLessThan(20 << 20)
  })

  it('the chat CLI given 200 MiB on stdin with no newline: refused as it streams, peak RSS far below the input', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'hearsay-linecap-'))
    const cli = new CliProcess(['open', '--json', '--no-mdns', '--listen', '127.0.0.1:0', '--state-dir', stateDir])
    try {
      await cli.waitFor((p) => p.events().some((e) => e.event === 'ticket'), 15_000, 'a ticket')
      const stdin = (cli as unknown as { child: { stdin: NodeJS.WritableStream } }).child.stdin
      const chunk = Buffer.alloc(1 << 20, 0x78)
      for (let i = 0; i < 200; i++) {
        if (!stdin.write(chunk)) await new Promise((resolve) => stdin.once('drain', resolve))
      }
      cli.type('')
      const infos = () => cli.events().filter((e) => e.event === 'info').map((e) => String(e.text))
      await cli.waitFor(() => infos().some((t) => t.includes(`message not sent: ${200 << 20} characters`)), 30_000, 'the refusal')
      const status = readFileSync(`/proc/${cli.pid}/status`, 'utf8')
      const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1])
      console.log(`[measure] CLI with 200 MiB on stdin, no newline: peak RSS ${(peakKb / 1024).toFixed(0)} MB`)
      expect(peakKb).toBeLessThan(200 * 1024)
      cli.endInput()
      expect(await cli.exited).toBe(0)
    } finally {
      cli.kill()
    }
  })
})
