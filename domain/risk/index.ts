export * from './config';
export * from './verdict';
export * from './engine';
export * from './evaluation';
export * from './facts';
export * from './stats';
export {
  DrawdownState,
  updateDrawdown,
  drawdownBreach,
  VolLevel,
  VolBreakerState,
  VOL_BREAKER_INITIAL,
  volLevel,
  volBySymbol,
  advanceVolBreaker,
  volBreakerBreach,
  volNumbers,
  StopoutHistory,
  STOPOUT_INITIAL,
  recordClosedTrade,
  stopoutLock,
  stopoutBreach,
  PerformanceState,
  PERFORMANCE_INITIAL,
  performanceStats,
  performanceVerdict,
  recordTradeResult,
  reenableStrategy,
  performanceBreach,
  type PerformanceStats,
  TradeTracker,
  TRADE_TRACKER_INITIAL,
  trackFill,
  type ClosedTrade,
} from './guards';
