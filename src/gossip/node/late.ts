/**
 * A received broadcast whose author sent it more than this long ago (10 s) is marked
 * `late`: it was caught up after a partition or a link repair (a neighbor that comes
 * back is told of the messages of the last 75 s), so newer messages of the same author
 * may have arrived before it. Judged by the author's signed timestamp against this
 * node's wall clock: clocks that differ by more than this mark messages wrongly.
 */
export const LATE_AFTER_MS = 10_000
