/** Signals and queries of an algo order (TWAP / iceberg), as module constants named by kind. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { AlgoProgress, AlgoReport } from '../domain/execution/algos';
import type { TradingState } from '../domain/run/trading-state';

/** Stop the algo: the open child order is canceled, nothing more is sent. */
export const cancelAlgoSignal = defineSignal<[{ reason: string }]>('cancelAlgo');
/** The parent's trading state changed: HALTED stops the algo; REDUCING stops it unless it is reduce-only. */
export const algoTradingStateSignal =
  defineSignal<[{ tradingState: TradingState; reason?: string }]>('algoTradingState');
export const algoProgressQuery = defineQuery<AlgoProgress>('algoProgress');
/** A strategy run's tick, to its algo child: act now, at the run's market time, in the run's trading state. */
export const algoTickSignal = defineSignal<[{ at: number; tradingState: TradingState }]>('algoTick');
/** An algo child's orders (each as the venue last showed it) and progress after a tick, to its parent run. */
export const algoReportSignal = defineSignal<[AlgoReport]>('algoReport');
