/**
 * The local exchange's replay clock formula (docs/local-exchange.md) on real ETH/BTC candles, and its
 * configuration: API key flags in argv order, the config file's validation.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ReplayClock, parseReplayStart } from '../../simulators/binance-exchange/clock';
import { apiKeysFromFlags, exchangeOptionsFrom } from '../../simulators/binance-exchange/config';
import { PaperVenue } from '../../simulators/paper-venue/venue';
import { readDatasetText } from '../../simulators/paper-venue/state';
import { ETH_FILE } from '../helpers/local-exchange';

const venue = new PaperVenue({ loadSource: readDatasetText });
venue.loadMarketFromSource('ETH/BTC', ETH_FILE);
const m = venue.marketData('ETH/BTC');
const n = m.candles.length;

describe('GIVEN the replay clock at 1 s bars over ETH/BTC 5-minute data', () => {
  it("WHEN the server starts mid-second THEN 500 bars have closed, bar i opens at A + (i − 500) s, and market time is the last closed bar's close", () => {
    let t = 1_700_000_000_250;
    const clock = new ReplayClock('1s', undefined, () => t);
    clock.register(m);
    const A = 1_700_000_000_000;
    expect(clock.closedCount('ETH/BTC')).toBe(500);
    expect(clock.openTimeOf('ETH/BTC', 499)).toBe(A - 1000);
    expect(clock.marketTime('ETH/BTC')).toBe(m.closeTimes[499]);
    t = A + 2999;
    expect(clock.closedCount('ETH/BTC')).toBe(502);
    expect(clock.marketTime('ETH/BTC')).toBe(m.closeTimes[501]);
    expect(clock.marketTime('ETH/BTC', t, 3)).toBe(m.closeTimes[498]);
    expect(clock.wallOf('ETH/BTC', m.closeTimes[501])).toBe(A + 2000);
    expect(clock.wallOf('ETH/BTC', m.closeTimes[501] + 1)).toBe(A + 2000);
  });

  it('WHEN the wall clock passes the end of the data THEN the market stops at the last bar', () => {
    let t = 0;
    const clock = new ReplayClock('1m', { bars: 10 }, () => t);
    clock.register(m);
    t = (n + 5) * 60_000;
    expect(clock.closedCount('ETH/BTC')).toBe(n);
    expect(clock.endOfData('ETH/BTC')).toBe(true);
    expect(clock.marketTime('ETH/BTC')).toBe(m.closeTimes[n - 1]);
  });

  it("WHEN --start is an instant THEN the bars closed by it are the history; a bad value names --start's rule", () => {
    const clock = new ReplayClock('1s', parseReplayStart('2018-01-25T00:00:00Z'), () => 0);
    clock.register(m);
    const at = Date.parse('2018-01-25T00:00:00Z');
    expect(m.closeTimes[clock.describe('ETH/BTC').start - 1]).toBeLessThanOrEqual(at);
    expect(m.closeTimes[clock.describe('ETH/BTC').start]).toBeGreaterThan(at);
    expect(() => parseReplayStart('soon')).toThrow(/start: expected a number of bars/);
  });
});

describe('GIVEN the local exchange configuration', () => {
  it('WHEN key flags come in argv order THEN each --balance belongs to the most recent --api-key', () => {
    expect(
      apiKeysFromFlags([
        { flag: '--api-key', value: 'a1' },
        { flag: '--api-secret', value: 's1' },
        { flag: '--balance', value: 'BTC=1' },
        { flag: '--api-key', value: 'a2' },
        { flag: '--balance', value: 'ETH=2.5' },
        { flag: '--api-secret', value: 's2' },
      ]),
    ).toEqual([
      { apiKey: 'a1', secret: 's1', balances: { BTC: '1' } },
      { apiKey: 'a2', secret: 's2', balances: { ETH: '2.5' } },
    ]);
    expect(() => apiKeysFromFlags([{ flag: '--balance', value: 'BTC=1' }])).toThrow(
      /^--balance: must follow an --api-key/,
    );
    expect(() => apiKeysFromFlags([{ flag: '--api-key', value: 'a1' }])).toThrow(
      /^--api-secret: missing for --api-key a1/,
    );
  });

  it('WHEN a config file has an unknown field or a bad value THEN the error names the file and the field', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tempotrade-lx-'));
    try {
      const file = path.join(dir, 'x.json');
      fs.writeFileSync(
        file,
        JSON.stringify({ apiKeys: [{ apiKey: 'k', secret: 's', balances: { BTC: '1' }, colour: 'red' }] }),
      );
      expect(() => exchangeOptionsFrom({ keyFlags: [], config: file })).toThrow(
        /--config .*x\.json: apiKeys\.0: Unrecognized key: "colour"/,
      );
      fs.writeFileSync(file, JSON.stringify({ weightLimit: -1 }));
      expect(() => exchangeOptionsFrom({ keyFlags: [], config: file })).toThrow(/weightLimit/);
      fs.writeFileSync(
        file,
        JSON.stringify({
          data: { 'ETH/BTC': 'eth.csv.gz' },
          apiKeys: [{ apiKey: 'k', secret: 's' }],
          interval: '1m',
          start: 100,
          faults: 'market:stale=2',
        }),
      );
      const ok = exchangeOptionsFrom({ keyFlags: [], config: file, weightLimit: '100' });
      expect(ok.datasets).toEqual({ 'ETH/BTC': path.join(dir, 'eth.csv.gz') });
      expect(ok.exchange).toMatchObject({
        interval: '1m',
        start: { bars: 100 },
        weightLimit: 100,
        apiKeys: [{ apiKey: 'k' }],
        faults: { rules: [{ kind: 'stale', bars: 2 }] },
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
