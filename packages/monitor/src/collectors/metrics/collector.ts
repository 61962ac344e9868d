import { AppError, errorMessage, isAppError } from '@etcd-monitor/core';
import { prom, type TlsOptions } from '@etcd-monitor/etcd';
import type { Agent } from 'undici';
import { compactForDerive, deriveMember, selectForDerive, type PeerSeries, type Scrape } from './derive.ts';
import { createScrapeAgent, scrapeMetrics } from './scrape.ts';
import { HistogramWindows } from './window-quantiles.ts';

/** MetricsSample is what one successful scrape of a member yields. */
export interface MetricsSample {
  /** at is when the scrape was sent (ms since the epoch). */
  at: number;
  /** series are the derived member series (see README.md); rates and window quantiles appear from the second scrape on. */
  series: Record<string, number>;
  /** peers are the member's links to each peer, for partition inference. */
  peers: PeerSeries[];
  /** scrapeMs is the HTTP time of the scrape, without parsing. */
  scrapeMs: number;
  /** bytes is the size of the /metrics body. */
  bytes: number;
}

/** MetricsSourceOptions say where and how to scrape one member. */
export interface MetricsSourceOptions {
  /** url is the member's metrics URL, e.g. `http://10.0.0.1:2381/metrics` or its client URL + `/metrics`. */
  url: string;
  /** tls is the CA and client certificate for an `https://` URL. */
  tls?: TlsOptions;
  /** timeoutMs bounds each scrape. */
  timeoutMs: number;
  /** maxBytes caps each response (default 10 MiB). */
  maxBytes?: number;
  /** keepAliveMs keeps the connection open between scrapes; set it above the interval (default 30 s). */
  keepAliveMs?: number;
}

/** MetricsSource scrapes one member on demand and remembers the previous scrape, for callers that own the schedule. */
export interface MetricsSource {
  /** sample scrapes, parses and derives; it throws AppError (MON_SCRAPE_*) and then keeps the older scrape for the next window. */
  sample(signal?: AbortSignal): Promise<MetricsSample>;
  /** close drops the kept-alive connection; sample must not be called afterwards. */
  close(): Promise<void>;
}

/** createMetricsSource returns a MetricsSource whose connection is opened on the first sample, so closing an unused one costs nothing. */
export function createMetricsSource(o: MetricsSourceOptions): MetricsSource {
  let agent: Agent | undefined;
  let prev: Scrape | undefined;
  const windows = new HistogramWindows();
  return {
    async sample(signal) {
      agent ??= createScrapeAgent(o.url.startsWith('https:') ? o.tls : undefined, o.keepAliveMs);
      const at = Date.now();
      const r = await scrapeMetrics(o.url, { tls: o.tls, timeoutMs: o.timeoutMs, maxBytes: o.maxBytes, dispatcher: agent, signal, select: selectForDerive });
      let set: prom.MetricSet;
      try {
        set = prom.parsePrometheusText(r.text);
      } catch (err) {
        throw new AppError('MON_SCRAPE_PARSE', `${o.url} did not serve Prometheus text: ${errorMessage(err)}`, {
          hint: "point the metrics URL at an etcd member's /metrics",
          cause: err,
        });
      }
      // Only derived families survive selection, so anything else (an HTML page, another exporter) ends up empty.
      if (!set.families.has('etcd_server_has_leader')) {
        throw new AppError('MON_SCRAPE_NOT_ETCD', `${o.url} serves no etcd metrics (etcd_server_has_leader is missing)`, {
          hint: "point the metrics URL at an etcd member's /metrics",
        });
      }
      const cur: Scrape = { at, set };
      const { series, peers } = deriveMember(prev, cur);
      windows.add(at, set, series, peers);
      prev = { at, set: compactForDerive(set) };
      return { at, series, peers, scrapeMs: r.durationMs, bytes: r.bytes };
    },
    async close() {
      const a = agent;
      agent = undefined;
      await a?.destroy().catch(() => {});
    },
  };
}

/** MetricsCollectorOptions configure createMetricsCollector. */
export interface MetricsCollectorOptions extends MetricsSourceOptions {
  /** intervalMs is the pause between the end of one scrape and the start of the next. */
  intervalMs: number;
  /** onSample receives every successful scrape. */
  onSample: (r: MetricsSample) => void;
  /** onError receives every failed scrape (and a throwing onSample, as MON_METRICS_HANDLER); the collector keeps going. */
  onError: (err: AppError) => void;
}

/** MetricsCollector is one member's scrape loop. */
export interface MetricsCollector {
  /** start scrapes now and then every intervalMs after each scrape ends; calling it again does nothing. */
  start(): void;
  /** stop cancels the timer, aborts an in-flight scrape, waits for it to settle and closes the connection; safe to call anytime, repeatedly. */
  stop(): Promise<void>;
  /** scrapeNow runs one scrape after any in-flight one (scrapes never overlap) and resolves once it is reported. */
  scrapeNow(): Promise<void>;
}

/**
 * createMetricsCollector scrapes a member's /metrics on its own setTimeout chain (unref'd, never overlapping),
 * derives series from the last two scrapes and reports samples and errors through callbacks; it never throws.
 */
export function createMetricsCollector(o: MetricsCollectorOptions): MetricsCollector {
  const source = createMetricsSource(o);
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let stopped = false;
  // Every scrape is chained on the previous one, so a slow member delays only itself and scrapeNow never overlaps the timer.
  let chain: Promise<void> = Promise.resolve();

  const report = (err: unknown) => {
    if (stopped && isAppError(err, 'MON_SCRAPE_ABORTED')) return;
    try {
      o.onError(err instanceof AppError ? err : new AppError('MON_METRICS_FAILED', `collecting ${o.url} failed: ${errorMessage(err)}`, { cause: err }));
    } catch {
      // A failing error handler must not kill the loop; there is nowhere left to report it.
    }
  };

  const once = async () => {
    if (stopped) return;
    let sample: MetricsSample;
    try {
      sample = await source.sample(abort.signal);
    } catch (err) {
      report(err);
      return;
    }
    try {
      o.onSample(sample);
    } catch (err) {
      report(new AppError('MON_METRICS_HANDLER', `handling the metrics of ${o.url} failed: ${errorMessage(err)}`, { cause: err }));
    }
  };

  const enqueue = (): Promise<void> => {
    const next = chain.then(once);
    chain = next;
    return next;
  };

  const tick = () => {
    timer = undefined;
    void enqueue().then(() => {
      if (stopped) return;
      timer = setTimeout(tick, o.intervalMs);
      timer.unref();
    });
  };

  return {
    start() {
      if (started || stopped) return;
      started = true;
      tick();
    },
    async stop() {
      if (!stopped) {
        stopped = true;
        clearTimeout(timer);
        timer = undefined;
        abort.abort();
      }
      await chain;
      await source.close();
    },
    scrapeNow() {
      return stopped ? Promise.resolve() : enqueue();
    },
  };
}
