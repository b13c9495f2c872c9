/**
 * One descriptor per venue kind (brokers/venues.ts, brokers/registry.ts): every spec the run input accepts
 * is of exactly one kind, goes to that kind's task queue, and a worker reaches it with that kind's brokerage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VenueSpec } from '../../domain/run/input';
import { VENUE_KINDS } from '../../brokers/venues';
import { createBrokerRegistry, venueKey } from '../../brokers/registry';
import { envCredentialProvider } from '../../brokers/credentials';
import { venueTaskQueue } from '../../temporal/task-queues';
import { validateRunInput } from '../../temporal/runs-client';
import { PaperBrokerage } from '../../brokers/paper/client';
import { CcxtBrokerage } from '../../brokers/ccxt/adapter';
import { PaperOnLiveBrokerage } from '../../brokers/paper-live/brokerage';

const paper = VenueSpec.parse({ kind: 'paper' });
const ccxt = VenueSpec.parse({ kind: 'ccxt', exchangeId: 'binance', apiUrl: 'http://127.0.0.1:8701' });
const sandbox = VenueSpec.parse({ kind: 'ccxt', exchangeId: 'binance', sandbox: true });
const paperLive = VenueSpec.parse({ kind: 'ccxt', exchangeId: 'binance', fills: 'paper' });

const refusal = (venue: Record<string, unknown>, more: Record<string, unknown>): string => {
  const raw = {
    runId: 'k-1',
    accountId: 'acct-1',
    strategy: { name: 'order-cycle' },
    symbols: ['ETH/BTC'],
    capital: '1',
    venue,
    ...more,
  };
  try {
    validateRunInput(raw as Parameters<typeof validateRunInput>[0]);
    return 'valid';
  } catch (e) {
    return (e as Error).message;
  }
};

describe('GIVEN the venue kinds', () => {
  it('WHEN a run input breaks a rule of its venue kind THEN it is refused naming the field', () => {
    expect(refusal({ kind: 'paper' }, { mode: 'live' })).toMatch(/mode: mode "live" needs a ccxt venue/);
    expect(refusal({ kind: 'paper' }, {})).toBe('valid');
    const local = { kind: 'ccxt', exchangeId: 'binance', apiUrl: 'http://127.0.0.1:8701' };
    expect(refusal(local, { tickInterval: 0 })).toMatch(/tickInterval: a ccxt venue needs a tickInterval above 0/);
    expect(refusal({ ...local, fills: 'paper' }, { tickInterval: 0 })).toMatch(
      /tickInterval: a ccxt venue needs a tickInterval above 0/,
    );
    expect(refusal(local, { tickInterval: '1s' })).toBe('valid');
  });

  it('WHEN any accepted venue spec is looked at THEN exactly one kind claims it', () => {
    for (const spec of [paper, ccxt, sandbox, paperLive])
      expect(VENUE_KINDS.filter((k) => k.matches(spec)).map((k) => k.id)).toHaveLength(1);
    expect([paper, ccxt, paperLive].map((s) => VENUE_KINDS.find((k) => k.matches(s))?.id)).toEqual([
      'paper',
      'ccxt',
      'paper-live',
    ]);
  });

  it('WHEN a run picks its venue queue THEN paper keeps the workflow queue, ccxt kinds the account queue', () => {
    expect(venueTaskQueue(paper, 'acct-1')).toBeUndefined();
    expect(venueTaskQueue(ccxt, 'acct-1')).toBe('tempotrade-venue-binance.acct-1');
    expect(venueTaskQueue(sandbox, 'acct-1')).toBe('tempotrade-venue-binance-sandbox.acct-1');
    expect(venueTaskQueue(paperLive, 'acct-1')).toBe('tempotrade-venue-binance.acct-1');
  });

  it('WHEN the same exchange account is filled by the venue or on paper THEN the worker keeps two brokerages', () => {
    const realFills = VenueSpec.parse({ kind: 'ccxt', exchangeId: 'binance' });
    expect(venueKey(realFills, 'acct-1')).not.toBe(venueKey(paperLive, 'acct-1'));
    expect(venueKey(paper, 'acct-1')).not.toBe(venueKey(paper, 'acct-2'));
  });

  it('WHEN a worker reaches each kind THEN it gets that kind’s brokerage (every kind has an adapter)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'venue-kinds-'));
    const registry = createBrokerRegistry(envCredentialProvider({}), { paperStateDir: dir });
    try {
      expect(await registry.get(paper, 'acct-1')).toBeInstanceOf(PaperBrokerage);
      expect(await registry.get(ccxt, 'acct-1')).toBeInstanceOf(CcxtBrokerage);
      const onLive = await registry.get(paperLive, 'acct-1');
      expect(onLive).toBeInstanceOf(PaperOnLiveBrokerage);
      expect((onLive as PaperOnLiveBrokerage).stateFile).toBe(path.join(dir, 'binance', 'acct-1.json'));
      expect(await registry.get(paper, 'acct-1')).toBe(await registry.get(paper, 'acct-1'));
    } finally {
      await registry.closeAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('WHEN a ccxt apiUrl names a non-Binance exchange THEN reaching it fails naming venue.apiUrl', async () => {
    const registry = createBrokerRegistry(envCredentialProvider({}));
    const kraken = VenueSpec.parse({ kind: 'ccxt', exchangeId: 'kraken', apiUrl: 'http://127.0.0.1:8701' });
    await expect(registry.get(kraken, 'acct-1')).rejects.toThrow(
      /venue\.apiUrl: only supported for exchangeId "binance"/,
    );
    await registry.closeAll();
  });
});
