import { errorMessage } from '@etcd-monitor/core';
import type { Collector } from '../collector.ts';
import { createMetricsSource } from './collector.ts';
import type { PeerSeries } from './derive.ts';

/**
 * metricsCollector scrapes each member's /metrics every metrics interval, records the derived series (see README.md)
 * and keeps the latest series and peer links on the member's facts for the health model. `facts.metrics.peers` is
 * carried as an extra property until MemberFacts declares it.
 */
export const metricsCollector: Collector = {
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
      async run() {
        const f = ctx.facts;
        try {
          const r = await source.sample();
          const metrics: { at: number; series: Record<string, number>; scrapeMs: number; peers: PeerSeries[] } = {
            at: r.at,
            series: r.series,
            scrapeMs: Math.round(r.scrapeMs * 100) / 100,
            peers: r.peers,
          };
          f.metrics = metrics;
          f.metricsError = null;
          ctx.sample({ ...r.series, scrape_ms: metrics.scrapeMs, scrape_up: 1 }, r.at);
          // Peer and leader series feed partition and split-brain findings, so every fresh scrape goes to the health model.
          ctx.changed();
        } catch (err) {
          f.metricsError = errorMessage(err);
          ctx.sample({ scrape_up: 0 }, Date.now());
          // A member that cannot be scraped is member state (shown on the member), not a monitor failure.
          ctx.changed();
        }
      },
      stop: () => source.close(),
    };
  },
};
