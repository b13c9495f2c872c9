/** User strategy modules written by tests into folders outside the repo, as a user would write them. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where a user's module finds the SDK (a user's would name the package). */
export const SDK = path.resolve(__dirname, '..', '..', 'domain', 'strategies', 'sdk');

export interface StrategySource {
  name: string;
  version?: string;
  description: string;
  /** Source of the params schema (default `z.object({})`). */
  params?: string;
  /** Source of the lookback function (default `() => 2`). */
  lookback?: string;
  /** The body of `onBar(ctx)`, one statement a line. */
  onBar: string;
  /** `n`, this bar's 1-based count, kept in ctx.state (so it survives continue-as-new and worker restarts). */
  countBars?: boolean;
  /** ES module (import/export default) or CommonJS (require/exports.default); default esm. */
  format?: 'esm' | 'cjs';
  /** What the module imports the SDK from (default: SDK, by path). */
  from?: string;
  /** A line before the import (a comment, say: another module hash for the same logic). */
  firstLine?: string;
}

const COUNT_BARS = `const n = (typeof ctx.state.n === 'number' ? ctx.state.n : 0) + 1;
ctx.state.n = n;`;

/** The source of a strategy module made with defineStrategy. */
export function strategyModule(s: StrategySource): string {
  const from = JSON.stringify(s.from ?? SDK);
  const head =
    s.format === 'cjs'
      ? `const { defineStrategy, z } = require(${from});\nexports.default = defineStrategy({`
      : `import { defineStrategy, z } from ${from};\nexport default defineStrategy({`;
  const body = [...(s.countBars ? [COUNT_BARS] : []), s.onBar.trim()].join('\n');
  return `${s.firstLine === undefined ? '' : `${s.firstLine}\n`}${head}
  name: ${JSON.stringify(s.name)},
  version: ${JSON.stringify(s.version ?? '1.0.0')},
  description: ${JSON.stringify(s.description)},
  params: ${s.params ?? 'z.object({})'},
  lookback: ${s.lookback ?? '() => 2'},
  onBar(ctx) {
${body.replace(/^(?=.)/gm, '    ')}
  },
});
`;
}

/** A CommonJS module: buys when flat above the previous close, sells when long below it. */
export function momentumModule(name: string, version: string, firstLine?: string): string {
  return strategyModule({
    name,
    version,
    firstLine,
    format: 'cjs',
    description: 'close against the previous close',
    onBar: `const [prev, last] = ctx.bars.slice(-2);
if (Number(ctx.position) === 0 && last.close > prev.close) return [ctx.buy({ pctOfEquity: 10, reason: 'up' })];
if (Number(ctx.position) > 0 && last.close < prev.close) return [ctx.sell({ quantity: ctx.position, reason: 'down' })];
return [];`,
  });
}

/** A temp folder holding `files` (file name → module source), removed after all the test file's tests. */
export function strategyFolder(prefix: string, files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const [file, source] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), source);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
