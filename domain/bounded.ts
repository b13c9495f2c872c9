/** Drop the oldest entries of a list kept in workflow state so that at most `max` remain (in place). */
export function keepNewest<T>(list: T[], max: number): void {
  if (list.length > max) list.splice(0, list.length - max);
}
