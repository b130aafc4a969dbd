/**
 * The `hearsay` command line. For now it runs the protocol simulator
 * (`hearsay sim --scenario s3 --nodes 1000`); `open` and `join <ticket>` arrive with
 * the node driver.
 */
import { Command } from 'commander'
import { runScenarioCommand, simCommand, type SimOptions } from './sim-command.js'

const program = new Command('hearsay')
  .description('serverless peer-to-peer gossip: HyParView membership + Plumtree broadcast')
  .showHelpAfterError()

program.addCommand(
  simCommand('sim').action(function (this: Command) {
    process.exitCode = runScenarioCommand(this.opts<SimOptions>(), 'text')
  }),
)

// Usage errors exit 2 (runtime failures exit 1).
program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 2)
})
for (const command of program.commands) command.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))

program.parse()
