#!/usr/bin/env node
/**
 * CLI start-up time: from spawning `node bin/hearsay.js open` to the ticket on stdout,
 * N runs one after another (mDNS off, 127.0.0.1, a throwaway state directory). Prints
 * one JSON object: each run's time and the median, in ms.
 *   node bench/cli-start.mjs [--runs 20] [-- <command and args to time instead>]
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const args = process.argv.slice(2)
const runsAt = args.indexOf('--runs')
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 20
const sep = args.indexOf('--')
const stateDir = mkdtempSync(join(tmpdir(), 'hearsay-cli-start-'))
const bin = fileURLToPath(new URL('../bin/hearsay.js', import.meta.url))
const command =
  sep >= 0 ? args.slice(sep + 1) : [process.execPath, bin, 'open', '--no-mdns', '--listen', '127.0.0.1:0', '--json', '--state-dir', stateDir]

function once() {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(command[0], command.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error('no ticket within 10 s'))
    }, 10_000)
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk
      if (out.includes('hearsay1')) {
        const ms = Number(process.hrtime.bigint() - start) / 1e6
        clearTimeout(timer)
        child.stdin.end()
        child.on('exit', () => resolve(ms))
      }
    })
  })
}

const times = []
for (let i = 0; i < runs; i++) times.push(await once())
rmSync(stateDir, { recursive: true, force: true })
const sorted = [...times].sort((a, b) => a - b)
const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2
console.log(JSON.stringify({ bench: 'cli-start-to-ticket', command: command.join(' ').replace(stateDir, '<tmp>'), runs, medianMs: Math.round(median * 10) / 10, minMs: Math.round(sorted[0] * 10) / 10, maxMs: Math.round(sorted.at(-1) * 10) / 10, timesMs: times.map((t) => Math.round(t * 10) / 10) }))
