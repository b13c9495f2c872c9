/** The market data bundled in data/market (see its README): where it is and which 5-minute BTC pairs it holds. */
import * as path from 'node:path';

export const MARKET_DATA_DIR = path.join(__dirname, '..', '..', 'data', 'market');

/** The ten 5-minute pairs of January 2018, in the order runs are handed them (ETH/BTC first). */
export const BUNDLED_PAIRS: readonly string[] = [
  'ETH/BTC',
  'LTC/BTC',
  'XMR/BTC',
  'ADA/BTC',
  'ZEC/BTC',
  'DASH/BTC',
  'ETC/BTC',
  'NXT/BTC',
  'TRX/BTC',
  'XLM/BTC',
];

/** "ETH/BTC" → data/market/ETH_BTC-5m.csv.gz. */
export const bundledDataFile = (pair: string): string =>
  path.join(MARKET_DATA_DIR, `${pair.replace('/', '_')}-5m.csv.gz`);
