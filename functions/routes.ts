/**
 * The control-plane API: one Lambda per route, IAM-authorized. Pure data, read by the CDK construct
 * (infra/constructs/control-plane.ts) and by the tests.
 */
export interface ApiRoute {
  /** Construct id and function name suffix. */
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** Handler file under functions/ (exports `handler`). */
  entry: string;
}

export const API_ROUTES: readonly ApiRoute[] = [
  { name: 'RunsStart', method: 'POST', path: '/runs', entry: 'runs/start.ts' },
  { name: 'RunsList', method: 'GET', path: '/runs', entry: 'runs/list.ts' },
  { name: 'RunsStatus', method: 'GET', path: '/runs/{id}', entry: 'runs/status.ts' },
  { name: 'RunsHalt', method: 'POST', path: '/runs/{id}/halt', entry: 'runs/halt.ts' },
  { name: 'RunsResume', method: 'POST', path: '/runs/{id}/resume', entry: 'runs/resume.ts' },
  { name: 'SchedulesCreate', method: 'POST', path: '/schedules', entry: 'schedules/create.ts' },
  { name: 'SchedulesList', method: 'GET', path: '/schedules', entry: 'schedules/list.ts' },
  { name: 'SchedulesDescribe', method: 'GET', path: '/schedules/{id}', entry: 'schedules/describe.ts' },
  { name: 'SchedulesPause', method: 'POST', path: '/schedules/{id}/pause', entry: 'schedules/pause.ts' },
  { name: 'SchedulesUnpause', method: 'POST', path: '/schedules/{id}/unpause', entry: 'schedules/unpause.ts' },
  { name: 'SchedulesTrigger', method: 'POST', path: '/schedules/{id}/trigger', entry: 'schedules/trigger.ts' },
  { name: 'SchedulesDelete', method: 'DELETE', path: '/schedules/{id}', entry: 'schedules/delete.ts' },
  { name: 'AccountsHalt', method: 'POST', path: '/accounts/{id}/halt', entry: 'accounts/halt.ts' },
  { name: 'AccountsResume', method: 'POST', path: '/accounts/{id}/resume', entry: 'accounts/resume.ts' },
];
