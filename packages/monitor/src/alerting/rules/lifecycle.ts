/** Activity is a not-yet-resolved alert instance's place in its lifecycle. */
export interface Activity {
  /** state is pending until the condition has held for the rule's `for`, then firing. */
  state: 'pending' | 'firing';
  /** activeAt is when the condition first held (ms). */
  activeAt: number;
  /** startsAt is when it started firing (ms). */
  startsAt?: number;
}

/**
 * advance moves one alert instance through pending → firing → resolved at `now`. It returns the new activity,
 * `'resolved'` when a firing alert's condition stopped holding, or undefined when a pending one stopped (Prometheus
 * drops it: it never fired, so there is nothing to resolve).
 */
export function advance(prev: Activity | undefined, active: boolean, now: number, forMs: number): Activity | 'resolved' | undefined {
  if (!active) return prev?.state === 'firing' ? 'resolved' : undefined;
  if (!prev) return forMs <= 0 ? { state: 'firing', activeAt: now, startsAt: now } : { state: 'pending', activeAt: now };
  if (prev.state === 'pending' && now - prev.activeAt >= forMs) return { state: 'firing', activeAt: prev.activeAt, startsAt: now };
  return prev;
}
