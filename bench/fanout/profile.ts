/**
 * `--profile <file>` of the fan-out bench: a V8 CPU profile of the measured phases only
 * (sequential, burst, rates; not the setup, the warm-up or the floor), taken with
 * node:inspector in this process and written as a .cpuprofile (Chrome DevTools, or
 * `npx tsx bench/profile-summary.ts <file>`). In-process runs only.
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'

/** A running profile; `stop()` writes it. */
export interface PhaseProfiler {
  stop(): Promise<void>
}

/** Starts profiling with a sampling interval of `intervalUs` microseconds. */
export async function startProfile(file: string, intervalUs = 500): Promise<PhaseProfiler> {
  const session = new Session()
  session.connect()
  const post = (method: string, params: object = {}): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params, (err, result) => (err === null ? resolve(result) : reject(err))))
  await post('Profiler.enable')
  await post('Profiler.setSamplingInterval', { interval: intervalUs })
  await post('Profiler.start')
  return {
    async stop() {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown }
      writeFileSync(file, JSON.stringify(profile))
      session.disconnect()
      console.error(`bench:fanout: CPU profile of the measured phases written to ${file}`)
    },
  }
}
