/**
 * The package as a user gets it: `npm pack`, then a fresh project installs the tarball
 * offline from the local npm cache, and
 *   1. a plain-JavaScript ESM script run with `node` starts two nodes on 127.0.0.1,
 *      broadcasts and receives one message, leaves, closes and exits within 2 s;
 *   2. a CommonJS script can `require()` the package (Node's require of ES modules);
 *   3. a TypeScript consumer type-checks with `strict`, `exactOptionalPropertyTypes`
 *      and `skipLibCheck: false` against the shipped `.d.ts` only;
 *   4. the installed `hearsay` command runs (`--version`).
 * Needs `dist/` (the test command builds it first).
 */
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConsumerProject } from './project.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const FIXTURE = fileURLToPath(new URL('./fixture/', import.meta.url))
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version

let work: string
let project: string
let packedFiles: string[] = []

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test')
  work = mkdtempSync(join(tmpdir(), 'hearsay-consumer-'))
  // The test command has just built dist/: pack it as is (prepack would build again).
  const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
  if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`)
  const [info] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>
  if (info === undefined) throw new Error(`npm pack printed no package: ${pack.stdout}`)
  packedFiles = info.files.map((f) => f.path)
  project = join(work, 'project')
  cpSync(FIXTURE, project, { recursive: true })
  createConsumerProject({
    dir: project,
    tarball: join(work, info.filename),
    lockfile: join(ROOT, 'package-lock.json'),
    extra: ['typescript', '@types/node'],
    timeoutMs: 120_000,
  })
}, 180_000)

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true })
})

/** Runs `node args` in the consumer project, bounded; resolves with its output and when it exited. */
function runNode(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string; exitedAt: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: project, env: { ...process.env, NODE_OPTIONS: '' } })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`node ${args.join(' ')} did not exit within ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`))
    }, timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, exitedAt: Date.now() })
    })
  })
}

describe('the packed package in a fresh project', () => {
  it('ships the build, the command and the docs a user reads, and nothing else', () => {
    expect(packedFiles).toContain('dist/index.js')
    expect(packedFiles).toContain('dist/index.d.ts')
    expect(packedFiles).toContain('dist/index.js.map')
    expect(packedFiles).toContain('bin/hearsay.js')
    const unexpected = packedFiles.filter(
      (f) => !/^(dist\/|bin\/)/.test(f) && !['package.json', 'README.md', 'SECURITY.md', 'LICENSE'].includes(f),
    )
    expect(unexpected).toEqual([])
    // TypeScript sources are not shipped: consumers see declarations only.
    expect(packedFiles.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([])
    // Only the declared runtime dependencies are installed: no build tools.
    const installed = readdirSync(join(project, 'node_modules'))
    expect(installed).not.toContain('tsx')
    expect(installed).not.toContain('esbuild')
  })

  it('plain JavaScript under node: two nodes broadcast, receive, leave, close, and the process exits within 2 s', async () => {
    const run = await runNode(['consumer.mjs'], 30_000)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const steps = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { step: string; at: number; text?: string; code?: string })
    expect(steps.map((s) => s.step)).toEqual(['created', 'joined', 'received', 'refused', 'closed'])
    expect(steps.find((s) => s.step === 'received')?.text).toBe('hello from a consumer')
    expect(steps.find((s) => s.step === 'refused')?.code).toBe('ERR_MESSAGE_TOO_LARGE')
    const closedAt = steps.at(-1)?.at ?? 0
    expect(run.exitedAt - closedAt).toBeLessThan(2_000)
  }, 40_000)

  it('CommonJS can require() the package and its subpaths', async () => {
    const run = await runNode(['consumer.cjs'], 20_000)
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({ createNode: 'function', Simulation: 'function' })
  }, 30_000)

  it('a TypeScript consumer type-checks (strict, exactOptionalPropertyTypes, skipLibCheck false) against the shipped .d.ts', async () => {
    const run = await runNode([join('node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], 60_000)
    expect(run.stdout + run.stderr).toBe('')
    expect(run.code).toBe(0)
  }, 70_000)

  it('the installed hearsay command prints its version', async () => {
    const run = await runNode([join('node_modules', 'hearsay', 'bin', 'hearsay.js'), '--version'], 20_000)
    expect(run.code).toBe(0)
    expect(run.stdout.trim()).toBe(VERSION)
  }, 30_000)
})
