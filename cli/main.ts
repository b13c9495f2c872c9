/**
 * The `tempotrade` command. Exit codes: 0 ok, 1 failure, 2 bad usage (a flag named in the message).
 */
import { Command, CommanderError } from 'commander';
import { TempotradeError } from '../domain/errors';
import { runCommand } from './commands/run';
import { temporalCommand, venueCommand, workerCommand } from './commands/processes';
import { demoCommand } from './commands/demo';
import { scheduleCommand } from './commands/schedule';
import { accountCommand } from './commands/account';
import { strategyCommand } from './commands/strategy';
import { journalCommand } from './commands/journal';
import { backtestCommand } from './commands/backtest';
import pkg from '../package.json';

export function buildProgram(): Command {
  const program = new Command('tempotrade')
    .description('Trading strategies as durable Temporal workflows: signal → risk → order → portfolio')
    .version(pkg.version)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  program.addCommand(runCommand());
  program.addCommand(scheduleCommand());
  program.addCommand(accountCommand());
  program.addCommand(strategyCommand());
  program.addCommand(backtestCommand());
  program.addCommand(journalCommand());
  program.addCommand(workerCommand());
  program.addCommand(venueCommand());
  program.addCommand(temporalCommand());
  program.addCommand(demoCommand());
  const applyExitOverride = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(applyExitOverride);
  };
  applyExitOverride(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof TempotradeError) {
      console.error(`error: ${e.message}`);
      return e.code === 'VALIDATION' ? 2 : 1;
    }
    // The SDK wraps the server's words in `cause` (e.g. "Failed to query Workflow" ← the gRPC status).
    const cause =
      e instanceof Error && e.cause instanceof Error && !e.message.includes(e.cause.message)
        ? `: ${e.cause.message}`
        : '';
    console.error(`error: ${e instanceof Error ? e.message : String(e)}${cause}`);
    return 1;
  }
}

/**
 * Runs the CLI and sets the exit code. Called by bin/tempotrade.js: the command never starts itself on
 * import, because npx, `npm link` and global installs run the bin through a symlink, so neither
 * `require.main` nor `argv[1]` identifies this module.
 */
export function run(argv: string[] = process.argv): void {
  // `tempotrade strategy schema | head`: a reader that closes the pipe early is not an error.
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  void main(argv).then((code) => {
    if (code !== 0) process.exit(code);
  });
}
