/**
 * The simulation scenario catalogue of the repository (not part of the package): S1-S3
 * and S3r, the S4 crash sweep, the fault scenarios S5-S11, fault-mix fuzzing, their
 * floors, reports and tables, and the `bench:sim` command. They drive the engine of
 * `hearsay/sim` (src/gossip/sim); tests and benchmarks import them from here.
 */
export { runOverload, overloadReplay, DEFAULT_OVERLOAD_CPU, type OverloadOptions, type OverloadResult } from './overload.js'
export {
  SCENARIOS,
  bootstrapNetwork,
  runBootstrap,
  runSingleSender,
  runRandomSenders,
  runRepeatingSenders,
  replayCommand,
  overlayChecks,
  type ScenarioName,
  type ScenarioOptions,
  type ScenarioResult,
  type Check,
} from './scenarios.js'
export { scenarioReport, reportLine, type ScenarioReport } from './report.js'
export { runConcurrentSenders, type ConcurrentOptions, type ConcurrentResult, type Percentiles } from './concurrent.js'
export { METHOD_FLOOR, noRepairFloor, randomRegularGraph, floodReach, reachWithoutRepair } from './floor.js'
export { runMassCrash, crashNetwork, steadyNetwork, floorFor, type CrashOptions, type CrashResult } from './crash.js'
export {
  runCrashSweep,
  crashSweepTable,
  DEFAULT_CRASH_RATES,
  type CrashSweepOptions,
  type CrashSweepResult,
  type CrashSweepRate,
  type CrashSweepRun,
} from './crash-sweep.js'
export { runTreeRepair, type TreeRepairOptions, type TreeRepairResult, type TreeRepairBroadcast } from './tree-repair.js'
export { runJoinStorm, type JoinStormOptions, type JoinStormResult } from './join-storm.js'
export { runStaleRaces, type RacesOptions, type RacesResult } from './races.js'
export { runIHaveFlood, type IHaveFloodOptions, type IHaveFloodResult, type FloodPeaks } from './ihave-flood.js'
export { runChurn, type ChurnOptions, type ChurnResult } from './churn.js'
export { runPartitionHeal, type PartitionOptions, type PartitionResult } from './partition.js'
export {
  FAULT_SCENARIOS,
  FAULT_ALIASES,
  faultReport,
  faultLine,
  type FaultScenarioName,
  type FaultRunOptions,
  type FaultResult,
  type FaultReport,
} from './fault-scenarios.js'
export { runFaultMix, faultMixFor, fuzzReplay, type FaultMix, type FuzzOptions, type FuzzResult } from './fuzz.js'
