import type { Collector } from './collector.ts';
import { statusCollector } from './status/status.ts';
import { probeCollector } from './probe/probe.ts';
import { metricsCollector } from './metrics/metrics.ts';

/** collectors lists every built-in per-member collector; each runs on its own interval for every member. */
export const collectors: Collector[] = [statusCollector, probeCollector, metricsCollector];
