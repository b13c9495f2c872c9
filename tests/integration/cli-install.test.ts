/**
 * The CLI reached the ways a user reaches it: `npx tempotrade …` in the clone (the README's lines) and a
 * global install (what `npm link` does). Both run bin/tempotrade.js through a symlink, where the CLI once
 * printed nothing and exited 0.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../cli/spawn';
import { START_SMA } from '../helpers/cli';

const env = {
  ...process.env,
  TEMPORAL_ADDRESS: '127.0.0.1:1',
  npm_config_yes: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
};

function sh(cmd: string, args: string[], cwd = REPO_ROOT) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 90_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Every `npx tempotrade …` line of the README, as its words up to the first flag, `|`, `[` or comment. */
function readmeCommands(): string[][] {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const lines = readme.split('\n').filter((l) => l.trim().startsWith('npx tempotrade'));
  return lines.map((l) => {
    const words: string[] = [];
    for (const w of l.trim().split(/\s+/).slice(2)) {
      if (/^(-|\||\[|#|\\)/.test(w)) break;
      words.push(w);
    }
    return words;
  });
}

describe('GIVEN a user who runs the CLI through npx or a global install', () => {
  it('WHEN they run `npx tempotrade --help` in the clone THEN the usage is printed', () => {
    const r = sh('npx', ['tempotrade', '--help']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: tempotrade/);
    for (const c of ['run', 'schedule', 'account', 'worker', 'venue', 'temporal', 'demo']) expect(r.out).toContain(c);
  });

  it('WHEN they run each README command through npx with --help THEN each prints its own usage', () => {
    const commands = readmeCommands();
    expect(commands.length).toBeGreaterThanOrEqual(15);
    for (const words of commands) {
      const r = sh('npx', ['tempotrade', ...words, '--help']);
      expect({ words, code: r.code, usage: r.out.split('\n')[0] }).toEqual({
        words,
        code: 0,
        usage: expect.stringMatching(/^Usage: tempotrade /),
      });
    }
  });

  it('WHEN a README command gets a bad flag through npx THEN it exits 2 naming the flag', () => {
    const r = sh('npx', ['tempotrade', ...START_SMA, '--capital', 'lots']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--capital');
  });

  it('WHEN the package is installed globally (as npm link does) THEN the command works from any folder', () => {
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'tempotrade-global-'));
    try {
      const install = sh('npm', ['install', '--global', '--prefix', prefix, REPO_ROOT]);
      expect(install.code).toBe(0);
      const bin = path.join(prefix, 'bin', 'tempotrade');
      const version = sh(bin, ['--version'], os.tmpdir());
      expect(version.code).toBe(0);
      expect(version.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
      const help = sh(bin, ['run', 'start', '--help'], os.tmpdir());
      expect(help.out).toContain('--strategy');
    } finally {
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  });
});
