import { AppError, didYouMean, errorMessage } from '@etcd-monitor/core';
import type { Notification, SendResult } from '../types.ts';
import type { Sender } from '../notify/notifier.ts';
import type { AttemptOutcome, DeliveryAttempt, DueEntry, EntryState, Outbox } from './outbox.ts';
import { createTokenBucket, type TokenBucket } from './token-bucket.ts';
import { testNotification } from './test-notification.ts';

/** DeliveryResult is what onResult hears after every attempt. */
export interface DeliveryResult {
  /** notification is what was sent. */
  notification: Notification;
  /** attempt is the logged attempt. */
  attempt: DeliveryAttempt;
  /** state is the entry's state after it: pending (will retry), delivered or failed. */
  state: EntryState;
}

/** DeliveryOptions configures startDelivery; only outbox and channels are required. */
export interface DeliveryOptions {
  /** outbox is the durable queue to drain. */
  outbox: Outbox;
  /** channels maps channel names to their transports; it is read on every pass, so a config reload can replace entries. */
  channels: ReadonlyMap<string, Sender>;
  /** backoff is the retry delay: initialMs doubling per failed attempt up to maxMs, each scaled by a random 50–100 %. Default 1 s and 60 s. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** ratePerChannel caps sends per channel: perMinute refill and a burst of up to `burst` at once. Default 60 per minute, burst 10. */
  ratePerChannel?: { perMinute?: number; burst?: number };
  /** timeoutMs bounds one send; a timed-out send is retried. Default 10 s. */
  timeoutMs?: number;
  /** maxAgeMs is how long after enqueue a notification is retried before it is marked failed (`expired`). Default 24 h. */
  maxAgeMs?: number;
  /** concurrency caps sends in flight across all channels. Default 8. */
  concurrency?: number;
  /** pollMs is the longest pause between passes, which picks up entries enqueued by another process. Default 5 s. */
  pollMs?: number;
  /** retainMs is how long delivered and failed entries and their log stay before pruning. Default 7 days. */
  retainMs?: number;
  /** externalUrl is put into test notifications. */
  externalUrl?: string;
  /** onResult hears every attempt, e.g. for metrics and the log stream. */
  onResult?: (r: DeliveryResult) => void;
  /** onError hears failures of the worker itself (the database), which have no caller to throw to. Default: a process warning. */
  onError?: (err: unknown) => void;
  /** random replaces Math.random for the backoff jitter in tests. */
  random?: () => number;
}

/** Delivery is a running delivery worker. */
export interface Delivery {
  /** kick runs a pass soon, e.g. after enqueueing from another handle. */
  kick(): void;
  /** sendTest sends a test notification to channel at once (not queued, never retried) and logs the attempt. */
  sendTest(channel: string): Promise<DeliveryAttempt>;
  /** inFlight is the number of sends under way. */
  inFlight(): number;
  /** stop ends the worker: sends in flight are aborted and logged as retries, so the next start resends them. */
  stop(): Promise<void>;
}

// A lease outlives the send it covers by this much, so a slow database write after the send cannot let another worker in.
const LEASE_GRACE_MS = 2_000;
const PRUNE_EVERY_MS = 60 * 60_000;

/** backoffDelay is the wait after the attempt-th failure: exponential from initialMs, capped at maxMs, with 50–100 % jitter. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
  // Jitter spreads the retries of many notifications that failed together, so a recovering receiver is not hit at once.
  return Math.round(base * (0.5 + random() * 0.5));
}

function abortResult(signal: AbortSignal): SendResult {
  const reason = signal.reason as { name?: string } | undefined;
  return { ok: false, retry: true, error: reason?.name === 'TimeoutError' ? 'timed out waiting for the receiver' : 'cancelled: delivery is stopping' };
}

/** startDelivery starts the worker that drains the outbox: due entries are sent with retries, backoff and per-channel rate limits, each group in order. */
export function startDelivery(o: DeliveryOptions): Delivery {
  const { outbox, channels } = o;
  const initialMs = o.backoff?.initialMs ?? 1_000;
  const maxMs = Math.max(initialMs, o.backoff?.maxMs ?? 60_000);
  const perMinute = o.ratePerChannel?.perMinute ?? 60;
  const burst = o.ratePerChannel?.burst ?? Math.min(10, Math.max(1, Math.floor(perMinute)));
  const timeoutMs = o.timeoutMs ?? 10_000;
  const maxAgeMs = o.maxAgeMs ?? 24 * 60 * 60_000;
  const concurrency = Math.max(1, o.concurrency ?? 8);
  const pollMs = o.pollMs ?? 5_000;
  const retainMs = o.retainMs ?? 7 * 24 * 60 * 60_000;
  const random = o.random ?? Math.random;
  const onError = o.onError ?? ((err: unknown) => process.emitWarning(`alert delivery: ${errorMessage(err)}`));

  const buckets = new Map<string, TokenBucket>();
  const inflight = new Map<string, { ac: AbortController; done: Promise<void> }>();
  // Channels that failed since their last success: a success there means the receiver is back, so the rest go now.
  const failing = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let kickQueued = false;
  let stopped = false;
  let lastPrune = 0;

  const bucket = (channel: string, now: number): TokenBucket => {
    let b = buckets.get(channel);
    if (!b) buckets.set(channel, (b = createTokenBucket({ perMinute, burst, now })));
    return b;
  };

  const sendOnce = async (sender: Sender | undefined, channel: string, n: Notification, stop: AbortSignal): Promise<SendResult> => {
    if (!sender) return { ok: false, retry: true, error: `channel "${channel}" is not configured` };
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]);
    const aborted = new Promise<SendResult>((resolve) => signal.addEventListener('abort', () => resolve(abortResult(signal)), { once: true }));
    // The race guards against a notifier that ignores its signal: the worker moves on, the lease still covers the send.
    const failed = (err: unknown): SendResult => ({ ok: false, retry: true, error: `notifier failed: ${errorMessage(err)}` });
    let sending: Promise<SendResult>;
    try {
      sending = sender.send(n, signal).catch(failed);
    } catch (err) {
      sending = Promise.resolve(failed(err));
    }
    return Promise.race([sending, aborted]);
  };

  const run = async (e: DueEntry, sender: Sender | undefined, ac: AbortController): Promise<void> => {
    const entry = outbox.get(e.id);
    if (!entry) return;
    const at = Date.now();
    const t0 = performance.now();
    const res = await sendOnce(sender, e.channel, entry.notification, ac.signal);
    const durationMs = performance.now() - t0;
    const attempt = e.attempts + 1;
    const end = Date.now();
    let outcome: AttemptOutcome;
    let next: { state: EntryState; nextAt?: number };
    if (res.ok) {
      outcome = 'delivered';
      next = { state: 'delivered' };
    } else if (!res.retry) {
      outcome = 'permanent';
      next = { state: 'failed' };
    } else if (end - e.enqueuedAt >= maxAgeMs) {
      outcome = 'expired';
      next = { state: 'failed' };
    } else {
      outcome = 'retry';
      // A send cut short by stop() is due again at once: the next start picks it up first.
      next = { state: 'pending', nextAt: ac.signal.aborted ? end : end + backoffDelay(attempt, initialMs, maxMs, random) };
    }
    const a: DeliveryAttempt = {
      notificationId: e.id,
      channel: e.channel,
      groupKey: e.groupKey,
      attempt,
      at,
      durationMs: Math.round(durationMs),
      outcome,
      ...(res.status !== undefined ? { status: res.status } : {}),
      ...(res.error !== undefined ? { error: outcome === 'expired' ? `${res.error} (gave up: older than the max age)` : res.error } : {}),
    };
    outbox.record(a, next);
    if (res.ok && failing.delete(e.channel)) outbox.wake(e.channel, end);
    else if (!res.ok && res.retry) failing.add(e.channel);
    try {
      o.onResult?.({ notification: entry.notification, attempt: a, state: next.state });
    } catch (err) {
      onError(err);
    }
  };

  const start = (e: DueEntry, sender: Sender | undefined): void => {
    const ac = new AbortController();
    const done = run(e, sender, ac)
      .catch(onError)
      .finally(() => {
        inflight.delete(e.id);
        kick();
      });
    inflight.set(e.id, { ac, done });
  };

  const pass = (): void => {
    if (stopped) return;
    clearTimeout(timer);
    const now = Date.now();
    let wake = now + pollMs;
    try {
      if (now - lastPrune >= PRUNE_EVERY_MS) {
        lastPrune = now;
        outbox.prune(now - retainMs);
      }
      if (inflight.size < concurrency) {
        const drained = [...buckets].filter(([, b]) => b.readyAt(now) > now);
        for (const [, b] of drained) wake = Math.min(wake, b.readyAt(now));
        const due = outbox.due(
          now,
          (concurrency - inflight.size) * 4,
          drained.map(([c]) => c),
        );
        const picked: { e: DueEntry; sender: Sender | undefined; b: TokenBucket | undefined }[] = [];
        for (const e of due) {
          if (inflight.size + picked.length >= concurrency) break;
          if (inflight.has(e.id)) continue;
          const sender = channels.get(e.channel);
          const b = sender ? bucket(e.channel, now) : undefined;
          if (b && !b.take(now)) {
            wake = Math.min(wake, b.readyAt(now));
            continue;
          }
          picked.push({ e, sender, b });
        }
        // One transaction leases the whole pass; an entry another worker leased first is skipped and its token returned.
        const leased = new Set(
          outbox.leaseMany(
            picked.map((p) => p.e.id),
            now,
            now + timeoutMs + LEASE_GRACE_MS,
          ),
        );
        for (const p of picked) {
          if (leased.has(p.e.id)) start(p.e, p.sender);
          else p.b?.refund();
        }
      }
      const next = outbox.nextDueAt();
      // Entries due now but not started wait on a token or a free slot, each of which wakes the worker itself.
      if (next !== undefined && next > now) wake = Math.min(wake, next);
    } catch (err) {
      onError(err);
    }
    // Unref'd: the worker serves the process, it is no reason to keep one alive.
    timer = setTimeout(pass, Math.max(1, wake - Date.now())).unref();
  };

  function kick(): void {
    if (stopped || kickQueued) return;
    kickQueued = true;
    setImmediate(() => {
      kickQueued = false;
      pass();
    });
  }

  const unsubscribe = outbox.onEnqueue(kick);
  kick();

  return {
    kick,
    inFlight: () => inflight.size,
    async sendTest(channel) {
      const sender = channels.get(channel);
      if (!sender) {
        throw new AppError('MON_CHANNEL_NOT_FOUND', `no channel named "${channel}"`, {
          field: 'channel',
          hint: didYouMean(channel, channels.keys()) ?? 'configure a [[channels]] table first',
        });
      }
      const n = testNotification(channel, { externalUrl: o.externalUrl ?? '' });
      // A test is a user's action: it takes a token when there is one but never waits for it.
      bucket(channel, Date.now()).take(Date.now());
      const at = Date.now();
      const t0 = performance.now();
      const res = await sendOnce(sender, channel, n, new AbortController().signal);
      const a: DeliveryAttempt = {
        notificationId: n.id,
        channel,
        groupKey: n.groupKey,
        attempt: 1,
        at,
        durationMs: Math.round(performance.now() - t0),
        outcome: res.ok ? 'delivered' : res.retry ? 'retry' : 'permanent',
        ...(res.status !== undefined ? { status: res.status } : {}),
        ...(res.error !== undefined ? { error: res.error } : {}),
      };
      outbox.recordDone(n, a);
      try {
        o.onResult?.({ notification: n, attempt: a, state: res.ok ? 'delivered' : 'failed' });
      } catch (err) {
        onError(err);
      }
      return a;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      unsubscribe();
      const running = [...inflight.values()];
      for (const f of running) f.ac.abort();
      await Promise.allSettled(running.map((f) => f.done));
    },
  };
}
