import { randomUUID } from 'node:crypto';
import { AppError, matchesAll, parseDuration, parseMatchers, type Matcher } from '@etcd-monitor/core';

/** SilenceState is pending before startsAt, active until endsAt, expired after. */
export type SilenceState = 'pending' | 'active' | 'expired';

/** Silence mutes notifications for alerts whose labels match every matcher between startsAt and endsAt. */
export interface Silence {
  /** id identifies the silence. */
  id: string;
  /** matchers select the muted alerts. */
  matchers: Matcher[];
  /** startsAt is when the silence begins (ms). */
  startsAt: number;
  /** endsAt is when it ends (ms); expiring a silence sets it to now. */
  endsAt: number;
  /** createdBy is who created it. */
  createdBy: string;
  /** comment says why. */
  comment: string;
  /** updatedAt is when it was created or last changed (ms). */
  updatedAt: number;
}

/** SilenceStore persists silences; the service backs it with the store's documents. */
export interface SilenceStore {
  /** load returns every stored silence. */
  load(): Silence[];
  /** save stores (or replaces) one silence. */
  save(s: Silence): void;
  /** remove deletes one silence (garbage collection of long-expired ones). */
  remove(id: string): void;
}

/** MemorySilenceStore is an in-memory SilenceStore for tests and store-less runs. */
export class MemorySilenceStore implements SilenceStore {
  private readonly items = new Map<string, Silence>();

  load(): Silence[] {
    return [...this.items.values()].map((s) => structuredClone(s));
  }

  save(s: Silence): void {
    this.items.set(s.id, structuredClone(s));
  }

  remove(id: string): void {
    this.items.delete(id);
  }
}

/** SilenceInput is what `POST /api/v1/silences` and `etcd-monitor silence add` take. */
export interface SilenceInput {
  /** matchers as `name="value"` strings or `{name, value, isRegex, isEqual}` objects. */
  matchers: unknown;
  /** startsAt defaults to now; ms or an ISO 8601 string. */
  startsAt?: unknown;
  /** endsAt is when the silence ends, ms or an ISO 8601 string; give it or `duration`, not both. */
  endsAt?: unknown;
  /** duration is how long the silence lasts from its start, such as "2h"; give it or `endsAt`, not both. */
  duration?: unknown;
  /** createdBy names the author. */
  createdBy: unknown;
  /** comment says why. */
  comment: unknown;
}

// Expired silences stay listed this long, as in Alertmanager, so "what was silenced last night" can be answered.
const EXPIRED_RETENTION_MS = 5 * 86_400_000;

/** Silences creates, expires, lists and applies silences, persisting every change through a SilenceStore. */
export class Silences {
  private readonly store: SilenceStore;
  private readonly now: () => number;
  private readonly items = new Map<string, Silence>();

  constructor(o: { store: SilenceStore; now?: () => number }) {
    this.store = o.store;
    this.now = o.now ?? Date.now;
    for (const s of this.store.load()) this.items.set(s.id, s);
  }

  /** create validates and stores a silence; a bad field throws MON_SILENCE_INVALID naming it. */
  create(input: SilenceInput): Silence {
    const now = this.now();
    const bad = (field: string, message: string, hint?: string) => new AppError('MON_SILENCE_INVALID', `${field}: ${message}`, { field, ...(hint ? { hint } : {}) });
    if (typeof input !== 'object' || input === null) throw bad('silence', 'expected an object with matchers, endsAt or duration, createdBy and comment');
    const matchers = (() => {
      try {
        return parseMatchers(input.matchers, 'matchers');
      } catch (err) {
        if (err instanceof AppError) throw new AppError('MON_SILENCE_INVALID', err.message, { field: err.field ?? 'matchers', ...(err.hint ? { hint: err.hint } : {}) });
        throw err;
      }
    })();
    if (matchers.length === 0) throw bad('matchers', 'at least one matcher is required', 'such as alertname="etcdHighFsyncDurations"');
    // A silence whose matchers all accept the empty string would mute every alert, as Alertmanager also refuses.
    if (matchesAll(matchers, {})) throw bad('matchers', 'the matchers match every alert', 'add a matcher that requires a label value, such as cluster="prod"');
    const startsAt = input.startsAt === undefined ? now : time(input.startsAt, 'startsAt', bad);
    const endsAt = end(input, startsAt, now, bad);
    if (endsAt <= startsAt) throw bad('endsAt', 'must be after startsAt');
    if (endsAt <= now) throw bad('endsAt', 'is in the past');
    if (typeof input.createdBy !== 'string' || !input.createdBy.trim()) throw bad('createdBy', 'is required', 'name who silences, for the audit trail');
    if (typeof input.comment !== 'string' || !input.comment.trim()) throw bad('comment', 'is required', 'say why, such as a ticket number');
    // A start in the past means now, as in Alertmanager: a silence cannot mute what was already sent.
    const s: Silence = { id: randomUUID(), matchers, startsAt: Math.max(startsAt, now), endsAt, createdBy: input.createdBy.trim(), comment: input.comment.trim(), updatedAt: now };
    this.store.save(s);
    this.items.set(s.id, s);
    return structuredClone(s);
  }

  /** expire ends a silence now; expiring an expired one is a no-op, an unknown id throws MON_SILENCE_NOT_FOUND. */
  expire(id: string): Silence {
    const s = this.items.get(id);
    if (!s) throw new AppError('MON_SILENCE_NOT_FOUND', `silence ${id} does not exist`, { field: 'id', hint: 'list them with `etcd-monitor silence list`' });
    const now = this.now();
    if (this.state(s, now) !== 'expired') {
      // A pending silence that is expired never starts: both ends move to now.
      if (s.startsAt > now) s.startsAt = now;
      s.endsAt = now;
      s.updatedAt = now;
      this.store.save(s);
    }
    return { ...structuredClone(s) };
  }

  /** get returns one silence with its state, or undefined. */
  get(id: string): (Silence & { state: SilenceState }) | undefined {
    const s = this.items.get(id);
    return s ? { ...structuredClone(s), state: this.state(s, this.now()) } : undefined;
  }

  /** list returns silences with their state, newest first; long-expired ones are garbage-collected here. */
  list(filter: { state?: SilenceState } = {}): Array<Silence & { state: SilenceState }> {
    const now = this.now();
    for (const s of [...this.items.values()]) {
      if (s.endsAt < now - EXPIRED_RETENTION_MS) {
        this.items.delete(s.id);
        this.store.remove(s.id);
      }
    }
    return [...this.items.values()]
      .map((s) => ({ ...structuredClone(s), state: this.state(s, now) }))
      .filter((s) => filter.state === undefined || s.state === filter.state)
      .sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** mutedBy returns the ids of the active silences matching a label set (empty: not silenced). */
  mutedBy(labels: Record<string, string>, now = this.now()): string[] {
    const out: string[] = [];
    for (const s of this.items.values()) if (s.startsAt <= now && now < s.endsAt && matchesAll(s.matchers, labels)) out.push(s.id);
    return out;
  }

  private state(s: Silence, now: number): SilenceState {
    return now < s.startsAt ? 'pending' : now < s.endsAt ? 'active' : 'expired';
  }
}

// Exactly one of endsAt and duration: both would leave it unclear which one the caller meant.
function end(input: SilenceInput, startsAt: number, now: number, bad: (f: string, m: string, h?: string) => AppError): number {
  const hint = 'give either "duration" (such as "2h") or "endsAt" (an ISO 8601 time)';
  if (input.endsAt !== undefined && input.duration !== undefined) throw bad('duration', 'cannot be given together with endsAt', hint);
  if (input.endsAt !== undefined) return time(input.endsAt, 'endsAt', bad);
  if (input.duration === undefined) throw bad('endsAt', 'is required, or a duration', hint);
  if (typeof input.duration !== 'string') throw bad('duration', `${JSON.stringify(input.duration)} is not a duration`, 'write it as text with a unit, such as "30m" or "2h"');
  let ms: number;
  try {
    ms = parseDuration(input.duration, 'duration');
  } catch (err) {
    if (err instanceof AppError) throw bad('duration', `"${input.duration}" is not a duration`, 'use a number with a unit, such as 30m, 2h or 1d');
    throw err;
  }
  if (!(ms > 0)) throw bad('duration', 'must be longer than 0', 'such as "2h"');
  // A duration counts from when the silence starts, which is now for one that starts at once.
  return Math.max(startsAt, now) + ms;
}

function time(v: unknown, field: string, bad: (f: string, m: string, h?: string) => AppError): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  throw bad(field, `${JSON.stringify(v)} is not a time`, 'use an ISO 8601 time such as 2026-01-02T15:04:05Z, or ms since the epoch');
}
