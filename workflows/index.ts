export { strategyRun } from './strategy-run/workflow';
export { scheduledTick } from './scheduled-tick';
export { algoOrder } from './algo-order/workflow';
export { accountSupervisor, accountDayStart } from './account-supervisor';
export { strategyGeneration } from './strategy-generation/workflow';
export { strategyPromotion } from './strategy-promotion/workflow';
