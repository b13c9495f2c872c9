/**
 * The run input's `venue.fills` (domain/run/input.ts): who fills a ccxt venue's orders, checked
 * against the mode before anything starts, with errors naming the field.
 */
import { validateRunInput } from '../../temporal/runs-client';
import type { StrategyRunInputRaw } from '../../domain/run/input';
import { paperStateDir, paperStateFile } from '../../brokers/paper-live/state-file';

const input = (venue: Record<string, unknown>, mode?: 'paper' | 'live'): StrategyRunInputRaw =>
  ({
    runId: 'fills-1',
    accountId: 'acct-1',
    strategy: { name: 'order-cycle', params: {} },
    symbols: ['ETH/BTC'],
    venue: { kind: 'ccxt', exchangeId: 'binance', ...venue },
    ...(mode ? { mode } : {}),
    capital: '1',
    tickInterval: '1s',
  }) as StrategyRunInputRaw;

const error = (raw: StrategyRunInputRaw): string => {
  try {
    validateRunInput(raw);
    return 'valid';
  } catch (e) {
    return (e as Error).message;
  }
};

describe('GIVEN a run on a ccxt venue', () => {
  it('WHEN fills is not given THEN the venue fills (existing inputs keep their meaning)', () => {
    expect(validateRunInput(input({ apiUrl: 'http://127.0.0.1:8701' })).venue).toMatchObject({ fills: 'venue' });
    expect(validateRunInput(input({ sandbox: true })).venue).toMatchObject({ fills: 'venue' });
    expect(validateRunInput(input({}, 'live')).venue).toMatchObject({ fills: 'venue' });
  });

  it('WHEN paper mode targets the real exchange THEN it needs fills "paper", and with it the input is valid', () => {
    expect(error(input({}))).toMatch(/venue\.fills: paper mode on a real exchange needs fills: "paper"/);
    expect(error(input({ fills: 'paper' }))).toBe('valid');
    expect(error(input({ fills: 'paper', apiUrl: 'http://127.0.0.1:8701', timeframe: '1s' }))).toBe('valid');
  });

  it('WHEN live mode asks for paper fills THEN the input is refused naming venue.fills', () => {
    expect(error(input({ fills: 'paper' }, 'live'))).toMatch(/venue\.fills: fills "paper" never sends an order/);
    expect(error(input({ fills: 'simulated' }))).toMatch(/venue\.fills/);
  });

  it('WHEN a paper-on-live account is stored THEN its file is per exchange (and data source) and account, under TEMPOTRADE_PAPER_STATE_DIR or .tempotrade/paper-live', () => {
    expect(paperStateDir({}, '/srv/w')).toBe('/srv/w/.tempotrade/paper-live');
    expect(paperStateDir({ TEMPOTRADE_PAPER_STATE_DIR: '/mnt/efs/paper' }, '/srv/w')).toBe('/mnt/efs/paper');
    expect(paperStateFile('/d', { exchangeId: 'binance', sandbox: false }, 'acct-1')).toBe('/d/binance/acct-1.json');
    expect(paperStateFile('/d', { exchangeId: 'binance', sandbox: true }, 'acct-1')).toBe(
      '/d/binance-sandbox/acct-1.json',
    );
    expect(
      paperStateFile('/d', { exchangeId: 'binance', sandbox: false, apiUrl: 'http://127.0.0.1:8701' }, 'acct-1'),
    ).toBe('/d/binance@127.0.0.1_8701/acct-1.json');
  });
});
