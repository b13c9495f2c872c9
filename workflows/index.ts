export { strategyRun } from './strategy-run';
