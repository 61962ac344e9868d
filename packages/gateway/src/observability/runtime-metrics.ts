// What a gateway process's own runtime adds to every request's latency, as histograms on /metrics: how late the event
// loop runs a callback (a request that arrives while it is busy waits as long), and how long garbage collections stop
// JavaScript, by kind. Both are measured off the request path: one timer every SAMPLE_MS while the loop works, and V8's
// GC callbacks. An idle loop has no delay to measure, and a timer every 10 ms would wake an idle worker 100 times a
// second (~0.8 % of a core on this project's VM, where nginx idles at none): below IDLE_UTILIZATION the sampler runs
// once every IDLE_SAMPLE_MS instead, and goes back to SAMPLE_MS at its first sample after the loop got busy again.
import { PerformanceObserver, constants, performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { Histogram, HistogramChild } from './metrics.ts';

/** SAMPLE_MS is how often the event loop delay is sampled while the loop works. */
export const SAMPLE_MS = 10;

/** IDLE_SAMPLE_MS is how often it is sampled while the loop idles, and how often the sampler decides which it does. */
export const IDLE_SAMPLE_MS = 1000;

/**
 * IDLE_UTILIZATION is the event loop utilization (its share of busy time over the last IDLE_SAMPLE_MS) below which the
 * loop counts as idle. The sampler's own wake-ups every 10 ms take 0.6–1.2 % of it on this project's VM (~60 µs each:
 * the wake-up, the timer and its callback), so the line is well above that; a worker proxying a few hundred small
 * requests a second is above it.
 */
export const IDLE_UTILIZATION = 0.03;

/** LOOP_DELAY_BUCKETS are the event loop delay buckets in seconds; libuv's timers have a resolution of 1 ms, so none is finer. */
export const LOOP_DELAY_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** GC_PAUSE_BUCKETS are the GC pause buckets in seconds, from 50 µs (a scavenge of a small young generation) up. */
export const GC_PAUSE_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

const GC_KIND: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** RuntimeMetrics feeds the event loop delay and GC pause histograms of one process until stopped. */
export class RuntimeMetrics {
  private readonly delay: HistogramChild;
  private readonly pauses: Histogram;
  private timer: NodeJS.Timeout | undefined;
  private observer: PerformanceObserver | undefined;
  private due = 0;
  /** period is the sampling period now: SAMPLE_MS, or IDLE_SAMPLE_MS while the loop idles. */
  private periodMs = SAMPLE_MS;
  /** armedMs is the period the Timeout was made with (refresh() re-arms it with that one). */
  private armedMs = 0;
  /** checked is when the sampler last decided its period, with the loop's utilization counters then. */
  private checked = 0;
  private elu: EventLoopUtilization | undefined;

  constructor(delay: Histogram, pauses: Histogram) {
    this.delay = delay.child();
    this.pauses = pauses;
    // Scavenges and full collections show from the first scrape, at zero.
    pauses.child('minor');
    pauses.child('major');
  }

  /** start begins sampling; the timer does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    this.periodMs = SAMPLE_MS;
    this.checked = performance.now();
    this.elu = performance.eventLoopUtilization();
    this.arm();
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = GC_KIND[(e as unknown as { detail: { kind: number } }).detail.kind] ?? 'other';
        this.pauses.child(kind).observe(e.duration / 1000);
      }
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** stop ends sampling. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.observer?.disconnect();
    this.observer = undefined;
  }

  /** period is the sampling period now (tests: an idle process samples once every IDLE_SAMPLE_MS). */
  get period(): number {
    return this.periodMs;
  }

  private arm(): void {
    this.due = performance.now() + this.periodMs;
    // One Timeout object, re-armed: the sampler allocates nothing per sample (a new one only when the period changes).
    if (this.timer && this.armedMs === this.periodMs) this.timer.refresh();
    else {
      clearTimeout(this.timer);
      this.timer = setTimeout(this.sample, this.periodMs);
      this.timer.unref();
      this.armedMs = this.periodMs;
    }
  }

  private readonly sample = (): void => {
    // libuv fires a timer on the first loop iteration at or after its time (in whole milliseconds), so a few hundred µs
    // either way is the clock, not a delay.
    const now = performance.now();
    const late = now - this.due;
    this.delay.observe(late > 0 ? late / 1000 : 0);
    if (now - this.checked >= IDLE_SAMPLE_MS) {
      // The loop's busy share since the last decision, from libuv's own counters (no work on the request path).
      const elu = performance.eventLoopUtilization();
      const busy = performance.eventLoopUtilization(elu, this.elu).utilization;
      this.elu = elu;
      this.checked = now;
      this.periodMs = busy < IDLE_UTILIZATION ? IDLE_SAMPLE_MS : SAMPLE_MS;
    }
    this.arm();
  };
}
