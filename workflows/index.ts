export { strategyRun } from './strategy-run/workflow';
export { scheduledTick } from './scheduled-tick';
export { algoOrder } from './algos';
export { accountSupervisor, accountDayStart } from './account-supervisor';
