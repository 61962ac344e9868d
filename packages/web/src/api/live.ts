import { useEffect, useSyncExternalStore } from 'react';
import type { QueryClient } from '@tanstack/react-query';
import type { Cluster, MonitorEvent } from '@etcd-monitor/monitor/contract';
import { apiKey } from './use-api.ts';
import { clusterRequest, clustersRequest, eventsRequest } from './queries.ts';

/** LiveState is the SSE connection's state, shown in the header. */
export type LiveState = 'connecting' | 'live' | 'reconnecting';

let state: LiveState = 'connecting';
const stateListeners = new Set<() => void>();
const frameListeners = new Set<(c: Cluster) => void>();
const eventListeners = new Set<(e: MonitorEvent) => void>();

function setState(s: LiveState): void {
  if (s === state) return;
  state = s;
  for (const fn of stateListeners) fn();
}

/** useLiveState returns the SSE connection state and re-renders when it changes. */
export function useLiveState(): LiveState {
  return useSyncExternalStore(
    (fn) => {
      stateListeners.add(fn);
      return () => stateListeners.delete(fn);
    },
    () => state,
  );
}

/** onClusterFrame calls fn with every cluster view the stream delivers (after it reached the query cache). */
export function onClusterFrame(fn: (c: Cluster) => void): () => void {
  frameListeners.add(fn);
  return () => frameListeners.delete(fn);
}

/** onMonitorEvent calls fn with every event the stream delivers. */
export function onMonitorEvent(fn: (e: MonitorEvent) => void): () => void {
  eventListeners.add(fn);
  return () => eventListeners.delete(fn);
}

/**
 * useLiveStream keeps one EventSource on /api/v1/stream for the whole app and writes its frames into the query cache,
 * so every page re-renders from the same data without polling. Frames are applied once per animation frame: 50
 * clusters updating every second would otherwise re-render the overview 50 times a second.
 */
export function useLiveStream(qc: QueryClient, enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    let es: EventSource | null = null;
    let reopen: ReturnType<typeof setTimeout> | undefined;
    let flushHandle: number | undefined;
    const pending = new Map<string, Cluster>();
    let closed = false;

    const flush = () => {
      flushHandle = undefined;
      if (pending.size === 0) return;
      const frames = [...pending.values()];
      pending.clear();
      qc.setQueryData<Cluster[]>(apiKey(clustersRequest), (old) => {
        if (!old) return old;
        const byName = new Map(old.map((c) => [c.name, c]));
        for (const f of frames) byName.set(f.name, f);
        return [...byName.values()];
      });
      for (const f of frames) {
        qc.setQueryData(apiKey(clusterRequest(f.name)), f);
        for (const fn of frameListeners) fn(f);
      }
    };
    const schedule = () => {
      if (flushHandle !== undefined) return;
      // Hidden tabs get no animation frames; a timer keeps the cache current for when the tab comes back.
      flushHandle = document.hidden ? window.setTimeout(flush, 250) : requestAnimationFrame(flush);
    };

    const open = () => {
      es = new EventSource('/api/v1/stream');
      es.addEventListener('open', () => setState('live'));
      es.addEventListener('cluster', (m) => {
        const c = JSON.parse((m as MessageEvent<string>).data) as Cluster;
        pending.set(c.name, c);
        schedule();
      });
      es.addEventListener('event', (m) => {
        const e = JSON.parse((m as MessageEvent<string>).data) as MonitorEvent;
        qc.setQueryData<MonitorEvent[]>(apiKey(eventsRequest(e.cluster)), (old) => (old ? [e, ...old].slice(0, 500) : old));
        for (const fn of eventListeners) fn(e);
      });
      es.addEventListener('error', () => {
        if (closed) return;
        setState('reconnecting');
        // The browser retries a dropped stream by itself, but gives up after an HTTP error (a restart behind a proxy, a
        // 401): then we reopen ourselves, and refetch so nothing missed while away stays stale.
        if (es?.readyState === EventSource.CLOSED) {
          es.close();
          reopen = setTimeout(() => {
            void qc.invalidateQueries();
            open();
          }, 2000);
        }
      });
    };
    open();
    return () => {
      closed = true;
      es?.close();
      clearTimeout(reopen);
      if (flushHandle !== undefined) {
        cancelAnimationFrame(flushHandle);
        clearTimeout(flushHandle);
      }
    };
  }, [qc, enabled]);
}
