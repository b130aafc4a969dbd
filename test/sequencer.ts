/**
 * Test file order: Vitest's (by group, then the durations of the last run, else larger
 * files first), except that the simulation scenarios known to take longest start first,
 * so that on a fresh checkout (no durations recorded) the compute group's two workers
 * do not end with one long scenario running alone.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/** Longest first (S9 churn at 1,000 nodes for 200 rounds, S3r, S8, S5, S4, S3, fault-mix fuzzing, S2). */
const SLOW_FIRST = [
  'test/sim/s9-churn.test.ts',
  'test/sim/s3r-repeating-senders.test.ts',
  'test/sim/s8-ihave-flood.test.ts',
  'test/sim/s5-tree-repair.test.ts',
  'test/sim/s4-mass-crash.test.ts',
  'test/sim/s3-random-senders.test.ts',
  'test/sim/fuzz.test.ts',
  'test/sim/s2-single-sender.test.ts',
]

function rank(spec: TestSpecification): number {
  const at = SLOW_FIRST.findIndex((path) => spec.moduleId.endsWith(path))
  return at < 0 ? SLOW_FIRST.length : at
}

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    // Array.prototype.sort is stable: within a group, the rest keep Vitest's order.
    return sorted.sort(
      (a, b) => a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder || rank(a) - rank(b),
    )
  }
}
