/**
 * Run the `tempotrade` CLI as a user would, in its own process, without blocking this one: tests host
 * workers in-process, and a blocked event loop would leave the CLI's queries unanswered.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

export const CLI_BIN = path.resolve(__dirname, '..', '..', 'bin', 'tempotrade.js');

/** `run start` of the built-in sma-crossover on ETH/BTC: the start that CLI tests add one flag to. */
export const START_SMA = ['run', 'start', '--strategy', 'sma-crossover', '--symbol', 'ETH/BTC'];

export function runCli(
  args: string[],
  env: Record<string, string>,
  allowFailure = false,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 || allowFailure
        ? resolve({ stdout, stderr, code })
        : reject(new Error(`tempotrade ${args.join(' ')} exited ${code}: ${stderr}${stdout}`)),
    );
  });
}
