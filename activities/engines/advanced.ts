/** The advanced engine's activity set: `advanced.placeOrder`, `advanced.followOrders`, `advanced.cancelOrder`, `advanced.cancelAndReplace`, `advanced.cancelAll`. */
import { makeEngineActivities, type EngineActivityDeps } from './engine-activities';
import { createOrderManagementActivities } from './order-management';

export function createAdvancedEngineActivities(deps: EngineActivityDeps) {
  const a = makeEngineActivities('advanced', deps);
  return {
    'advanced.placeOrder': a.placeOrder,
    'advanced.followOrders': a.followOrders,
    'advanced.cancelOrder': a.cancelOrder,
    ...createOrderManagementActivities(deps),
  };
}
