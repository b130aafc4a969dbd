/**
 * A watchdog on its own thread for the fan-out bench. The bench's --max-seconds timer
 * runs on the main event loop, so it cannot fire when that loop is blocked for good
 * (seen on Node 20.20.2: the main thread deadlocked in node:crypto, waiting on a mutex
 * with no CPU, and the run never ended). This thread gets a heartbeat from the main
 * thread every second and the report so far after every phase; when the heartbeat stops
 * for `stallSeconds`, or `maxSeconds` plus a grace period pass, it writes the last
 * report with "aborted": true to stdout and kills the process (SIGKILL, exit 137).
 */
import { Worker } from 'node:worker_threads'

const WATCHDOG_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { writeSync } = require('node:fs')
const started = Date.now()
let last = Date.now()
let report = workerData.report
let phase = 'setup'
parentPort.on('message', (m) => {
  last = Date.now()
  if (m.report !== undefined) report = m.report
  if (m.phase !== undefined) phase = m.phase
})
setInterval(() => {
  const now = Date.now()
  const stalledS = (now - last) / 1000
  const elapsedS = (now - started) / 1000
  let why
  if (stalledS >= workerData.stallSeconds) why = 'main thread unresponsive for ' + Math.round(stalledS) + ' s (event loop blocked)'
  else if (elapsedS >= workerData.hardSeconds) why = 'main thread did not stop by itself ' + Math.round(elapsedS) + ' s after the start'
  if (why === undefined) return
  const out = Object.assign({}, report, { aborted: true, watchdog: why, runningPhase: phase, elapsedS: Math.round(elapsedS) })
  try { writeSync(2, 'bench:fanout: watchdog: ' + why + ' during ' + phase + '\\n') } catch {}
  try { writeSync(1, JSON.stringify(out) + '\\n') } catch {}
  process.kill(process.pid, 'SIGKILL')
}, 500)
`

export interface Watchdog {
  /** The report so far (printed if the watchdog fires) and the phase now running. */
  progress(report: unknown, phase: string): void
  stop(): void
}

export function startWatchdog(options: { report: unknown; maxSeconds: number; stallSeconds: number }): Watchdog {
  const worker = new Worker(WATCHDOG_SOURCE, {
    eval: true,
    workerData: { report: options.report, stallSeconds: options.stallSeconds, hardSeconds: options.maxSeconds + 30 },
  })
  worker.unref()
  const heartbeat = setInterval(() => worker.postMessage({}), 1_000)
  heartbeat.unref()
  return {
    progress(report, phase) {
      // A structured clone: the watchdog keeps a snapshot, not a live object.
      worker.postMessage({ report: JSON.parse(JSON.stringify(report)) as unknown, phase })
    },
    stop() {
      clearInterval(heartbeat)
      void worker.terminate()
    },
  }
}
