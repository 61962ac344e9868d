// What a gateway process's own runtime adds to every request's latency, as histograms on /metrics: how late the event
// loop runs a callback (a request that arrives while it is busy waits as long), and how long garbage collections stop
// JavaScript, by kind. Both are measured off the request path: one timer every SAMPLE_MS, and V8's GC callbacks.
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';
import type { Histogram, HistogramChild } from './metrics.ts';

/** SAMPLE_MS is how often the event loop delay is sampled. */
export const SAMPLE_MS = 10;

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

  private arm(): void {
    this.due = performance.now() + SAMPLE_MS;
    // One Timeout object, re-armed: the sampler allocates nothing per sample.
    if (this.timer) this.timer.refresh();
    else {
      this.timer = setTimeout(this.sample, SAMPLE_MS);
      this.timer.unref();
    }
  }

  private readonly sample = (): void => {
    // libuv fires a timer on the first loop iteration at or after its time (in whole milliseconds), so a few hundred µs
    // either way is the clock, not a delay.
    const late = performance.now() - this.due;
    this.delay.observe(late > 0 ? late / 1000 : 0);
    this.arm();
  };
}
