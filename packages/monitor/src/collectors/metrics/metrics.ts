import { errorMessage } from '@etcd-monitor/core';
import { defineCollector, type CollectorResult } from '../collector.ts';
import { createMetricsSource } from './collector.ts';
import type { PeerSeries } from './derive.ts';

/**
 * metricsCollector scrapes each member's /metrics every metrics interval, records the derived series (see README.md)
 * and keeps the latest series and peer links on the member's facts for the health model. `facts.metrics.peers` is
 * carried as an extra property until MemberFacts declares it.
 */
export const metricsCollector = defineCollector({
  name: 'metrics',
  intervalMs: (c) => c.metricsIntervalMs,
  create(ctx) {
    const source = createMetricsSource({
      url: ctx.metricsUrl,
      tls: ctx.connection.tls,
      timeoutMs: ctx.cluster.timeoutMs,
      // Outlive the pause between scrapes, or every scrape pays a new TCP (and TLS) handshake.
      keepAliveMs: ctx.cluster.metricsIntervalMs + 10_000,
    });
    return {
      async run(): Promise<CollectorResult> {
        // Every fresh scrape goes to the health model (peer and leader series feed partition and split-brain findings),
        // and so does a failed one: a member that cannot be scraped is member state, not a monitor failure.
        try {
          const r = await source.sample();
          const metrics: { at: number; series: Record<string, number>; scrapeMs: number; peers: PeerSeries[] } = {
            at: r.at,
            series: r.series,
            scrapeMs: Math.round(r.scrapeMs * 100) / 100,
            peers: r.peers,
          };
          return { facts: { metrics, metricsError: null }, series: { ...r.series, scrape_ms: metrics.scrapeMs, scrape_up: 1 }, at: r.at, changed: true };
        } catch (err) {
          return { facts: { metricsError: errorMessage(err) }, series: { scrape_up: 0 }, at: Date.now(), changed: true };
        }
      },
      stop: () => source.close(),
    };
  },
});
