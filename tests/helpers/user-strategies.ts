/** User strategy modules written by tests into folders outside the repo, as a user would write them. */
import path from 'node:path';

/** Where a user's module finds the SDK (a user's would name the package). */
export const SDK = path.resolve(__dirname, '..', '..', 'domain', 'strategies', 'sdk');

/** A CommonJS module: buys when flat above the previous close, sells when long below it. */
export function momentumModule(name: string, version: string, firstLine = ''): string {
  return `${firstLine}
const { defineStrategy, z } = require(${JSON.stringify(SDK)});
exports.default = defineStrategy({
  name: ${JSON.stringify(name)},
  version: ${JSON.stringify(version)},
  description: 'close against the previous close',
  params: z.object({}),
  lookback: () => 2,
  onBar(ctx) {
    const [prev, last] = ctx.bars.slice(-2);
    if (Number(ctx.position) === 0 && last.close > prev.close) return [ctx.buy({ pctOfEquity: 10, reason: 'up' })];
    if (Number(ctx.position) > 0 && last.close < prev.close) return [ctx.sell({ quantity: ctx.position, reason: 'down' })];
    return [];
  },
});
`;
}
