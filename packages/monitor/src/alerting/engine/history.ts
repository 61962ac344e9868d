import type { Alert, AlertHistoryQuery } from '../../model/alerts.ts';

export type { AlertHistoryQuery } from '../../model/alerts.ts';

/** AlertHistory keeps every alert occurrence (fired, then resolved) for the history view; the service backs it with the store. */
export interface AlertHistory {
  /** record stores an occurrence, replacing the earlier record of the same fingerprint and activeAt. */
  record(alert: Alert): void;
  /** list returns matching occurrences, newest first. */
  list(q?: AlertHistoryQuery): Alert[];
}

/** MemoryAlertHistory is an in-memory AlertHistory for tests and store-less runs; it keeps the newest `limit` occurrences. */
export class MemoryAlertHistory implements AlertHistory {
  private readonly items = new Map<string, Alert>();
  private readonly limit: number;

  constructor(limit = 10_000) {
    this.limit = limit;
  }

  record(alert: Alert): void {
    const key = `${alert.fingerprint}@${alert.activeAt}`;
    this.items.delete(key);
    this.items.set(key, structuredClone(alert));
    // Map iteration is insertion order, so the first key is the least recently recorded.
    while (this.items.size > this.limit) this.items.delete(this.items.keys().next().value!);
  }

  list(q: AlertHistoryQuery = {}): Alert[] {
    const out = [...this.items.values()].filter(
      (a) =>
        (q.cluster === undefined || a.labels.cluster === q.cluster) &&
        (q.alertname === undefined || a.labels.alertname === q.alertname) &&
        (q.fingerprint === undefined || a.fingerprint === q.fingerprint) &&
        (q.since === undefined || (a.endsAt ?? Infinity) >= q.since) &&
        (q.until === undefined || a.activeAt <= q.until),
    );
    out.sort((a, b) => b.activeAt - a.activeAt);
    return out.slice(0, q.limit ?? 1000).map((a) => structuredClone(a));
  }
}
