/** Every patch id of the account supervisor, with what it changed. Recorded histories carry them: never reuse one. */

/** The day-start Schedule is created only once the limits have something daily (before: always, at start). */
export const DAY_START_WHEN_NEEDED_PATCH = 'day-start-when-needed-v1';
