/**
 * Makes a fresh consumer project around a packed hearsay tarball and installs it from
 * the local npm cache only (`npm ci --offline`), as a user's `npm install hearsay`
 * would lay it out.
 *
 * Why a lockfile: `npm install --offline <tarball>` needs every dependency's registry
 * metadata in the cache, and an `npm ci` from hearsay's own lockfile fetches tarballs
 * only. So the consumer's lockfile is derived from hearsay's: hearsay itself (the
 * tarball, with its integrity), plus every entry of hearsay's lockfile that is not a
 * dev dependency, at the same paths (hearsay's dependencies are hoisted to the top
 * level in both projects), plus the few dev packages the consumer asks for by name
 * (e.g. typescript for the type check). Every one of those tarballs is in the cache
 * after `npm ci` in the hearsay repository.
 */
import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'

interface LockEntry {
  version?: string
  integrity?: string
  resolved?: string
  dev?: boolean
  dependencies?: Record<string, string>
  [key: string]: unknown
}

interface Lockfile {
  name: string
  version: string
  lockfileVersion: number
  packages: Record<string, LockEntry>
}

interface PackageJson {
  name: string
  version: string
  dependencies?: Record<string, string>
  bin?: Record<string, string>
  engines?: Record<string, string>
  license?: string
}

export interface ConsumerProjectOptions {
  /** Empty directory to create the project in. */
  readonly dir: string
  /** The `npm pack` tarball of hearsay. */
  readonly tarball: string
  /** hearsay's package-lock.json (the one `npm ci` installed from). */
  readonly lockfile: string
  /** Dev packages of hearsay's lockfile the consumer also depends on (top-level names). */
  readonly extra?: readonly string[]
  /** Bound on the install, in ms. @default 120_000 */
  readonly timeoutMs?: number
}

/** Reads package.json out of a tarball (with `tar`, which every CI machine has). */
function packageJsonOf(tarball: string): PackageJson {
  const out = spawnSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })
  if (out.status !== 0) throw new Error(`cannot read package.json from ${tarball}: ${out.stderr}`)
  return JSON.parse(out.stdout) as PackageJson
}

/** Writes package.json and package-lock.json for the consumer, copies the tarball in, runs `npm ci --offline`. */
export function createConsumerProject(options: ConsumerProjectOptions): void {
  const lock = JSON.parse(readFileSync(options.lockfile, 'utf8')) as Lockfile
  const pkg = packageJsonOf(options.tarball)
  const tgz = basename(options.tarball)
  copyFileSync(options.tarball, join(options.dir, tgz))
  const integrity = `sha512-${createHash('sha512').update(readFileSync(options.tarball)).digest('base64')}`

  const dependencies: Record<string, string> = { [pkg.name]: `file:${tgz}` }
  const packages: Record<string, LockEntry> = {}
  for (const name of options.extra ?? []) {
    const entry = lock.packages[`node_modules/${name}`]
    if (entry?.version === undefined) throw new Error(`${name} is not in ${options.lockfile}`)
    dependencies[name] = entry.version
  }
  packages[''] = { name: 'hearsay-consumer', version: '1.0.0', dependencies }
  packages[`node_modules/${pkg.name}`] = {
    version: pkg.version,
    resolved: `file:${tgz}`,
    integrity,
    license: pkg.license,
    dependencies: pkg.dependencies ?? {},
    bin: pkg.bin,
    engines: pkg.engines,
  }
  const wanted = new Set((options.extra ?? []).map((name) => `node_modules/${name}`))
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || !path.startsWith('node_modules/')) continue
    // Dev-only packages are left out, except the ones asked for and what they need.
    if (entry.dev === true && !wanted.has(path) && !neededBy(wanted, path, lock)) continue
    const { dev: _dev, ...rest } = entry
    packages[path] = rest
  }
  writeFileSync(
    join(options.dir, 'package.json'),
    `${JSON.stringify({ name: 'hearsay-consumer', version: '1.0.0', private: true, type: 'module', dependencies }, null, 2)}\n`,
  )
  writeFileSync(
    join(options.dir, 'package-lock.json'),
    `${JSON.stringify({ name: 'hearsay-consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  )
  const result = spawnSync('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: options.dir,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
  })
  if (result.status !== 0) {
    throw new Error(`npm ci --offline in ${options.dir} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}`)
  }
}

/** Whether a dev entry is a (transitive) dependency of one of the wanted top-level packages. */
function neededBy(wanted: ReadonlySet<string>, path: string, lock: Lockfile): boolean {
  const seen = new Set<string>()
  const stack = [...wanted]
  while (stack.length > 0) {
    const at = stack.pop() as string
    if (at === path) return true
    if (seen.has(at)) continue
    seen.add(at)
    for (const dep of Object.keys({ ...lock.packages[at]?.dependencies, ...(lock.packages[at]?.optionalDependencies as Record<string, string> | undefined) })) {
      // Node resolution: nested first, then each parent directory up to the top.
      let dir = at
      for (;;) {
        const candidate = `${dir}/node_modules/${dep}`
        if (lock.packages[candidate] !== undefined) {
          stack.push(candidate)
          break
        }
        const up = dir.lastIndexOf('/node_modules/')
        if (up < 0) {
          if (lock.packages[`node_modules/${dep}`] !== undefined) stack.push(`node_modules/${dep}`)
          break
        }
        dir = dir.slice(0, up)
      }
    }
  }
  return false
}
