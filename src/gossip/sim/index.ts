/**
 * hearsay/sim: the deterministic simulator. Drives the real protocol core under virtual
 * time with seeded latency, loss, crashes and partitions, and measures reliability, RMR,
 * LDH and overlay shape.
 */
export { Simulation, SimulationError, SIM_TOPIC, type SimulationOptions, type SimNode } from './simulation.js'
export {
  BroadcastLog,
  BroadcastRecord,
  summarize,
  overlaySummary,
  floodLdh,
  percentile,
  type DeliverySummary,
  type OverlaySummary,
} from './metrics.js'
export {
  SCENARIOS,
  bootstrapNetwork,
  runBootstrap,
  runSingleSender,
  runRandomSenders,
  replayCommand,
  type ScenarioName,
  type ScenarioOptions,
  type ScenarioResult,
  type Check,
} from './scenarios.js'
export { scenarioReport, reportLine, type ScenarioReport } from './report.js'
