/** Task queue names, in one place. */
export const TASK_QUEUES = {
  /** Strategy workflows and their activities. */
  strategies: 'tempotrade-strategies',
} as const;
