/** The judging of a finished run for a promotion gate (domain/strategies/promotion.ts): what falls short is named with its numbers. */
import {
  PromotionPolicy,
  judgeRun,
  missingGates,
  notPromotedMessage,
  type RunFacts,
} from '../../domain/strategy-lifecycle/promotion';

const HASH = 'a'.repeat(64);
const want = { name: 'x', version: '1.0.0', hash: HASH };
const policy = PromotionPolicy.parse({});
const facts = (over: Partial<RunFacts> = {}): RunFacts => ({
  workflowId: 'bt-1',
  runId: 'r-1',
  execution: 'COMPLETED',
  pin: { name: 'x', version: '1.0.0', hash: HASH },
  mode: 'paper',
  venueKind: 'paper',
  clock: 'replay',
  symbols: ['ETH/BTC'],
  data: { 'ETH/BTC': '/data/ETH_BTC.csv.gz' },
  ticks: 200,
  fills: 12,
  maxDrawdownPct: '4.5',
  tradingState: 'ACTIVE',
  stateReason: '',
  strategyFailed: false,
  upgraded: false,
  ...over,
});

describe('GIVEN the default policy (5 trades, 25 % drawdown, 100 paper ticks)', () => {
  it('WHEN a backtest meets it THEN it passes with its numbers and its data', () => {
    const j = judgeRun('backtest', facts(), want, policy);
    expect(j).toEqual({
      ok: true,
      evidence: {
        gate: 'backtest',
        workflowId: 'bt-1',
        runId: 'r-1',
        numbers: { ticks: '200', trades: '12', minTrades: '5', maxDrawdownPct: '4.5', maxDrawdownLimitPct: '25' },
        symbols: ['ETH/BTC'],
        data: { 'ETH/BTC': '/data/ETH_BTC.csv.gz' },
      },
    });
  });

  it('WHEN a backtest falls short in every way THEN each shortfall is named with its numbers', () => {
    const j = judgeRun(
      'backtest',
      facts({
        pin: { name: 'x', version: '0.9.0', hash: 'b'.repeat(64) },
        mode: 'live',
        clock: 'live',
        venueKind: 'ccxt',
        data: {},
        fills: 2,
        maxDrawdownPct: '31.2',
        upgraded: true,
      }),
      want,
      policy,
    );
    expect(j).toEqual({
      ok: false,
      shortfalls: [
        'the run is of x@0.9.0, not x@1.0.0',
        'the run is pinned to sha256 bbbbbbbbbbbb, not aaaaaaaaaaaa',
        'the run was upgraded to another module mid-run',
        'mode is live, a gate needs a paper run',
        'venue ccxt has a live clock, a backtest replays data',
        'the run names no data (venue.data)',
        'trades 2 < minimum 5',
        'max drawdown 31.2% > maximum 25%',
      ],
    });
  });

  it('WHEN a paper run is short of ticks or its strategy failed THEN it is refused saying so; an unfinished run is refused as such', () => {
    expect(judgeRun('paper', facts({ ticks: 40 }), want, policy)).toEqual({
      ok: false,
      shortfalls: ['ticks 40 < required 100'],
    });
    const failed = judgeRun(
      'paper',
      facts({ strategyFailed: true, stateReason: 'STRATEGY_FAILED: boom' }),
      want,
      policy,
    );
    expect(failed).toEqual({ ok: false, shortfalls: ['the strategy failed (STRATEGY_FAILED): STRATEGY_FAILED: boom'] });
    expect(judgeRun('paper', facts({ execution: 'RUNNING' }), want, policy)).toEqual({
      ok: false,
      shortfalls: ['the run is RUNNING, not COMPLETED'],
    });
  });

  it('WHEN gates are missing THEN the live refusal names them in gate order', () => {
    expect(missingGates(undefined)).toEqual(['backtest', 'paper', 'approval']);
    expect(missingGates({ hash: HASH, policy, paper: judged('paper') })).toEqual(['backtest', 'approval']);
    expect(notPromotedMessage('x', '1.0.0', HASH, ['approval'])).toBe(
      'STRATEGY_NOT_PROMOTED: x@1.0.0 (sha256 aaaaaaaaaaaa) lacks approval',
    );
  });
});

function judged(gate: 'paper') {
  const j = judgeRun(gate, facts(), want, policy);
  if (!j.ok) throw new Error(j.shortfalls.join('; '));
  return { ...j.evidence, at: 1 };
}
