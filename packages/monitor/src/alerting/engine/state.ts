import type { Alert } from '../types.ts';

/** ActiveAlertRecord is one pending or firing alert as the engine persists it, with the key of the rule that made it. */
export interface ActiveAlertRecord {
  /** alert is the alert as last saved (its state, activeAt and startsAt are what a restart restores). */
  alert: Alert;
  /** rule is the rule's key, `name/severity`. */
  rule: string;
}

/**
 * AlertStateStore persists the engine's pending and firing alerts, as Prometheus keeps `ALERTS_FOR_STATE`, so a
 * restart (even after kill -9) resumes them instead of starting every `for` again; the service backs it with the store.
 */
export interface AlertStateStore {
  /** load returns the saved alerts and when the engine last said it was evaluating (the start of a downtime). */
  load(): { active: ActiveAlertRecord[]; seenAt: number | undefined };
  /** save stores (or replaces) one alert, keyed by its fingerprint. */
  save(rec: ActiveAlertRecord): void;
  /** remove deletes the alert with that fingerprint. */
  remove(fingerprint: string): void;
  /** seen records that the engine was evaluating at `at`. */
  seen(at: number): void;
}

/** MemoryAlertStateStore is an in-memory AlertStateStore for tests; a new engine over the same one acts as a restart. */
export class MemoryAlertStateStore implements AlertStateStore {
  private readonly items = new Map<string, ActiveAlertRecord>();
  private seenAt: number | undefined;

  load(): { active: ActiveAlertRecord[]; seenAt: number | undefined } {
    return { active: [...this.items.values()].map((r) => structuredClone(r)), seenAt: this.seenAt };
  }

  save(rec: ActiveAlertRecord): void {
    this.items.set(rec.alert.fingerprint, structuredClone(rec));
  }

  remove(fingerprint: string): void {
    this.items.delete(fingerprint);
  }

  seen(at: number): void {
    this.seenAt = at;
  }
}
