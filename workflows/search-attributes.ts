/**
 * Custom search attributes of strategy runs. The dev server registers these at start
 * (dev/temporal/dev-server.ts); the workflow upserts them; the CLI filters on them.
 * Pure definitions: safe to import from workflow code.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const StrategyIdKey = defineSearchAttributeKey('StrategyId', SearchAttributeType.KEYWORD);
export const AccountIdKey = defineSearchAttributeKey('AccountId', SearchAttributeType.KEYWORD);
export const EngineKey = defineSearchAttributeKey('Engine', SearchAttributeType.KEYWORD);
export const TradingModeKey = defineSearchAttributeKey('TradingMode', SearchAttributeType.KEYWORD);
export const TradingStateKey = defineSearchAttributeKey('TradingState', SearchAttributeType.KEYWORD);

/** name → Temporal CLI type name, as `temporal server start-dev --search-attribute NAME=TYPE` wants it. */
export const CUSTOM_SEARCH_ATTRIBUTES: ReadonlyArray<{ name: string; type: 'Keyword' }> = [
  StrategyIdKey,
  AccountIdKey,
  EngineKey,
  TradingModeKey,
  TradingStateKey,
].map((k) => ({ name: k.name, type: 'Keyword' as const }));
