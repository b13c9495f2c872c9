/** The advanced engine's activity set: `advanced.placeOrder`, `advanced.followOrders`, `advanced.cancelOrder`. */
import { makeEngineActivities, type EngineActivityDeps } from './engine-activities';

export function createAdvancedEngineActivities(deps: EngineActivityDeps) {
  const a = makeEngineActivities('advanced', deps);
  return { 'advanced.placeOrder': a.placeOrder, 'advanced.followOrders': a.followOrders, 'advanced.cancelOrder': a.cancelOrder };
}
