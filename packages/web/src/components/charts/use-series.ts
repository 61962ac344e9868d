import { useEffect, useState } from 'react';
import { apiFetch } from '../../api/client.ts';
import { onClusterFrame } from '../../api/live.ts';
import { alignBands, alignSeries, appendAligned, lastTime, type Aligned, type Bands, type MemberPoints } from '../../lib/align.ts';
import { PROBE_FIELDS } from './catalog.ts';
import { memberLabel } from '../../lib/member.ts';
import type { TimeRange } from './ranges.ts';
import type { SeriesQueryResult } from '@etcd-monitor/monitor/contract';

/**
 * SeriesState is a chart's data: the aligned columns (changed in place by live updates; `version` counts the
 * changes, `shape` counts member-list changes), or the error of the last read.
 */
export interface SeriesState {
  aligned: Aligned | null;
  /** bands are each member's min and max per bucket for bucketed reads (1 h and longer ranges), null for raw ones. */
  bands: Bands | null;
  version: number;
  shape: number;
  error: unknown;
  resolution: string | null;
}

function queryPath(cluster: string, series: string, member: string | undefined, from: string, step: string | undefined): string {
  const p = new URLSearchParams({ series, cluster, from });
  if (member !== undefined) p.set('member', member);
  if (step) p.set('step', step);
  return `/series/query?${p}`;
}

const EMPTY: SeriesState = { aligned: null, bands: null, version: 0, shape: 0, error: null, resolution: null };

/**
 * useSeries reads one series for a chart. A live range reads its window once, then follows the stream: probe values
 * are drawn straight from the frames, and every other series is re-read from the last point on (at most once a
 * second, only while the chart is on screen). New points are appended to the aligned columns in place (a 24 h window
 * of 1 s samples is never copied or re-aligned), and only the chart re-renders, not the page. Other ranges re-read on
 * a timer.
 */
export function useSeries(cluster: string, series: string, member: string | undefined, range: TimeRange, visible: { current: boolean }, enabled = true): SeriesState {
  const [state, setState] = useState<SeriesState>(EMPTY);

  useEffect(() => {
    if (!enabled) return;
    const ac = new AbortController();
    let inFlight = false;
    let lastFetch = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let aligned: Aligned | null = null;
    setState(EMPTY);

    const publishAll = (points: SeriesQueryResult['points'], resolution: string | null) => {
      const prev = aligned;
      aligned = alignSeries(points);
      const bands = range.step ? alignBands(points) : null;
      const reshaped = prev === null || prev.members.join('\u0000') !== aligned.members.join('\u0000');
      setState((s) => ({ aligned, bands, version: s.version + 1, shape: s.shape + (reshaped || (bands !== null) !== (s.bands !== null) ? 1 : 0), error: null, resolution }));
    };
    const publishAdd = (add: MemberPoints[], resolution: string | null) => {
      if (!aligned) return;
      const reshaped = appendAligned(aligned, add, Date.now() - range.fromMs);
      setState((s) => ({ ...s, aligned, version: s.version + 1, shape: s.shape + (reshaped ? 1 : 0), error: null, resolution }));
    };
    const full = async () => {
      inFlight = true;
      try {
        const r = await apiFetch<SeriesQueryResult>(queryPath(cluster, series, member, new Date(Date.now() - range.fromMs).toISOString(), range.step), { signal: ac.signal });
        publishAll(r.points, r.resolution);
      } catch (err) {
        if (!ac.signal.aborted) setState((s) => ({ ...s, error: err }));
      } finally {
        inFlight = false;
        lastFetch = Date.now();
      }
    };
    const incremental = async () => {
      if (!aligned || inFlight || !visible.current) return;
      inFlight = true;
      lastFetch = Date.now();
      const last = lastTime(aligned);
      try {
        const from = last ? new Date(last + 1).toISOString() : new Date(Date.now() - range.fromMs).toISOString();
        const r = await apiFetch<SeriesQueryResult>(queryPath(cluster, series, member, from, undefined), { signal: ac.signal });
        publishAdd(r.points, r.resolution);
      } catch (err) {
        if (!ac.signal.aborted) setState((s) => ({ ...s, error: err }));
      } finally {
        inFlight = false;
      }
    };

    void full();
    if (!range.live) {
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
      if (field && aligned) {
        const add: MemberPoints[] = [];
        for (const m of c.members) {
          const v = m.probe?.[field];
          const who = memberLabel(m);
          if ((member === undefined || member === who) && m.probe && v !== null && v !== undefined) add.push({ member: who, points: [{ t: m.probe.at, v }] });
        }
        if (add.length) publishAdd(add, 'raw');
        return;
      }
      // The store flushes once a second; a one-second throttle keeps the request rate at one per chart per second.
      if (Date.now() - lastFetch < 1000) {
        if (timer === undefined)
          timer = setTimeout(
            () => {
              timer = undefined;
              void incremental();
            },
            1000 - (Date.now() - lastFetch),
          );
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
