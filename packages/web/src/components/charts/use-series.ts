import { useEffect, useRef, useState } from 'react';
import { apiFetch } from '../../api/client.ts';
import { onClusterFrame } from '../../api/live.ts';
import type { SeriesQueryResult } from '../../api/types/series.ts';
import { mergePoints, type MemberPoints } from '../../lib/align.ts';
import { PROBE_FIELDS } from './catalog.ts';
import type { TimeRange } from './ranges.ts';

/** SeriesState is a chart's data: member point lists, or the error of the last read. */
export interface SeriesState {
  points: MemberPoints[] | null;
  error: unknown;
  resolution: string | null;
}

function queryPath(cluster: string, series: string, member: string | undefined, from: string, step: string | undefined): string {
  const p = new URLSearchParams({ series, cluster, from });
  if (member !== undefined) p.set('member', member);
  if (step) p.set('step', step);
  return `/series/query?${p}`;
}

/**
 * useSeries reads one series for a chart. A live range reads 15 min once, then follows the stream: probe values are
 * drawn straight from the frames, and every other series is re-read from the last point on (at most once a second,
 * only while the chart is on screen). Other ranges re-read on a timer. Data lives in a ref-backed state so that
 * only the chart redraws, not the page.
 */
export function useSeries(cluster: string, series: string, member: string | undefined, range: TimeRange, visible: { current: boolean }, enabled = true): SeriesState {
  const [state, setState] = useState<SeriesState>({ points: null, error: null, resolution: null });
  const pointsRef = useRef<MemberPoints[] | null>(null);

  useEffect(() => {
    if (!enabled) return;
    const ac = new AbortController();
    let inFlight = false;
    let lastFetch = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    pointsRef.current = null;
    setState({ points: null, error: null, resolution: null });

    const publish = (points: MemberPoints[], resolution: string | null) => {
      pointsRef.current = points;
      setState({ points, error: null, resolution });
    };
    const full = async () => {
      inFlight = true;
      try {
        const r = await apiFetch<SeriesQueryResult>(queryPath(cluster, series, member, new Date(Date.now() - range.fromMs).toISOString(), range.step), { signal: ac.signal });
        publish(r.points, r.resolution);
      } catch (err) {
        if (!ac.signal.aborted) setState((s) => ({ ...s, error: err }));
      } finally {
        inFlight = false;
        lastFetch = Date.now();
      }
    };
    const incremental = async () => {
      const cur = pointsRef.current;
      if (!cur || inFlight || !visible.current) return;
      inFlight = true;
      lastFetch = Date.now();
      let last = 0;
      for (const m of cur) if (m.points.length) last = Math.max(last, m.points[m.points.length - 1]!.t);
      try {
        const from = last ? new Date(last + 1).toISOString() : new Date(Date.now() - range.fromMs).toISOString();
        const r = await apiFetch<SeriesQueryResult>(queryPath(cluster, series, member, from, undefined), { signal: ac.signal });
        publish(mergePoints(pointsRef.current ?? [], r.points, Date.now() - range.fromMs), r.resolution);
      } catch (err) {
        if (!ac.signal.aborted) setState((s) => ({ ...s, error: err }));
      } finally {
        inFlight = false;
      }
    };

    void full();
    if (range.key !== 'live') {
      const tick = () => {
        timer = setTimeout(async () => {
          await full();
          tick();
        }, range.refreshMs);
      };
      tick();
      return () => {
        ac.abort();
        clearTimeout(timer);
      };
    }
    const field = PROBE_FIELDS[series];
    const off = onClusterFrame((c) => {
      if (c.name !== cluster) return;
      if (field && pointsRef.current) {
        const add: MemberPoints[] = [];
        for (const m of c.members) {
          const v = m.probe?.[field];
          if ((member === undefined || member === m.name) && m.probe && v !== null && v !== undefined) add.push({ member: m.name, points: [{ t: m.probe.at, v }] });
        }
        if (add.length) publish(mergePoints(pointsRef.current, add, Date.now() - range.fromMs), 'raw');
        return;
      }
      // The store flushes once a second; a one-second throttle keeps the request rate at one per chart per second.
      if (Date.now() - lastFetch < 1000) {
        if (timer === undefined) timer = setTimeout(() => {
          timer = undefined;
          void incremental();
        }, 1000 - (Date.now() - lastFetch));
        return;
      }
      void incremental();
    });
    return () => {
      off();
      ac.abort();
      clearTimeout(timer);
    };
  }, [cluster, series, member, range, visible, enabled]);
  return state;
}
