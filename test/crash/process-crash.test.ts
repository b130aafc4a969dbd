/**
 * Crash test with OS processes (issue 8): 20 node processes on 127.0.0.1, one topic;
 * 10 are kill -9ed at random (seeded) moments while survivors broadcast. After repair
 * every survivor delivers 100 % of a 100-message batch; no process ever delivers a
 * message twice; the killed processes restart with their key files, keep their ids,
 * rejoin and receive a fresh broadcast. The longer run: `npm run crash-test`.
 * All processes are killed (by pid) when the run ends, whatever happened.
 */
import { describe, expect, it } from 'vitest'
import { runCrashTest } from './harness.js'

describe('crash test with OS processes', () => {
  it('survivors of kill -9 on half the processes deliver everything after repair, once; restarted ones rejoin', async () => {
    const summary = await runCrashTest({ nodes: 20, kill: 10, rounds: 1, seed: 8 })
    const round = summary.roundResults[0]
    if (!summary.ok) console.error(JSON.stringify(summary, null, 2))
    expect(round).toBeDefined()
    if (round === undefined) return
    expect(round.killed).toBe(10)
    expect(round.repaired).toBe(true)
    expect(round.postRepairExpected).toBe(100 * 9)
    expect(round.postRepairDelivered).toBe(round.postRepairExpected)
    expect(summary.duplicateDetails).toEqual([])
    expect(summary.errors).toEqual([])
    expect(summary.lagged).toBe(0)
    expect(round.restartedSameIds).toBe(10)
    expect(round.rejoined).toBe(10)
    expect(round.freshDelivered).toBe(round.freshExpected)
    expect(summary.ok).toBe(true)
  }, 120_000)
})
