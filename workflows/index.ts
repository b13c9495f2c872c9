export { strategyRun } from './strategy-run';
export { scheduledTick } from './scheduled-tick';
