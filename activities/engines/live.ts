/** The live engine's activity set: `live.placeOrder`, `live.followOrders`, `live.cancelOrder`. */
import { makeEngineActivities, type EngineActivityDeps } from './engine-activities';

export function createLiveEngineActivities(deps: EngineActivityDeps) {
  const a = makeEngineActivities('live', deps);
  return { 'live.placeOrder': a.placeOrder, 'live.followOrders': a.followOrders, 'live.cancelOrder': a.cancelOrder };
}
