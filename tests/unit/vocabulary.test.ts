/** The risk vocabulary (domain/vocabulary.ts): one name, one meaning, one number, and the docs show it. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ACCOUNT_EVENT_KINDS, REASON_CODES, reasonNumber } from '../../domain/vocabulary';
import { ACCOUNT_CHECKS } from '../../domain/risk/account-checks';
import { AccountLimits, approve, openAccount, registerRun } from '../../domain/risk/account';

const riskDoc = readFileSync(path.join(__dirname, '../../docs/risk.md'), 'utf8');
const T0 = Date.UTC(2018, 0, 15, 12);

describe('GIVEN the reason codes', () => {
  it('THEN no two codes share a number', () => {
    const numbers = Object.values(REASON_CODES).map((e) => e.number);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('THEN each code of the account supervisor is numbered in its range (200–299, or shared with the run)', () => {
    const shared = new Set(['KILL_SWITCH_ENGAGED', 'ACCOUNT_DRAWDOWN_LIMIT']);
    for (const [code, e] of Object.entries(REASON_CODES)) {
      if (code.startsWith('ACCOUNT_') && !shared.has(code))
        expect([code, e.number >= 200 && e.number < 300]).toEqual([code, true]);
    }
  });

  it('WHEN docs/risk.md is read THEN its reason-code table lists every code with its number and meaning, and nothing else', () => {
    const rows = [...riskDoc.matchAll(/^\| (\d+) \| `([A-Z_]+)` \| (.+) \|$/gm)].map((m) => [m[2], Number(m[1]), m[3]]);
    expect(rows).toEqual(
      Object.entries(REASON_CODES)
        .sort((a, b) => a[1].number - b[1].number)
        .map(([c, e]) => [c, e.number, e.meaning]),
    );
  });

  it('WHEN a code is looked up THEN its number comes back; an unknown code has none', () => {
    expect(reasonNumber('ACCOUNT_EXPOSURE_LIMIT')).toBe(203);
    expect(reasonNumber('NO_SUCH_CODE')).toBeUndefined();
  });
});

describe('GIVEN the account checks', () => {
  it('THEN each one gives a catalogued code, and none is listed twice', () => {
    const codes = ACCOUNT_CHECKS.map((c) => c.code);
    for (const c of codes) expect(REASON_CODES).toHaveProperty(c);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it.each([
    ['a halted account', 'ACCOUNT_HALTED', { killSwitch: true }],
    ['an exposure cap with no headroom', 'ACCOUNT_EXPOSURE_LIMIT', { maxGrossExposure: '1', maxGrossExposurePct: 0 }],
  ])('WHEN %s denies an order THEN the denial carries a catalogued code (%s)', (_what, code, limits) => {
    const st = openAccount('acct-v', AccountLimits.parse(limits), T0);
    registerRun(st, 'run-a', 'sma', '10', T0);
    const req = {
      requestId: 'r1',
      workflowId: 'run-a',
      strategy: 'sma',
      symbol: 'ETH/BTC',
      side: 'buy' as const,
      quantity: '1',
      price: '0.1',
      reducing: false,
    };
    const v = approve(st, req, T0);
    expect(v).toMatchObject({ decision: 'DENIED', code });
    expect(reasonNumber(v.code)).toBeDefined();
  });
});

describe('GIVEN the account-event kinds', () => {
  it('WHEN docs/risk.md is read THEN its account-event table lists every account-event kind with its meaning', () => {
    const rows = [...riskDoc.matchAll(/^\| `([A-Z_]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(Object.entries(ACCOUNT_EVENT_KINDS));
  });
});
