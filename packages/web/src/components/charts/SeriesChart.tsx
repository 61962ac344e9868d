import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ActionIcon, Card, Group, Menu, Text, Tooltip, useComputedColorScheme } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { lastValues } from '../../lib/align.ts';
import { formatAxis, formatValue, type Unit } from '../../lib/format.ts';
import { errorText } from '../../api/client.ts';
import { useSeries } from './use-series.ts';
import type { RangeKey, TimeRange } from './ranges.ts';
import { newDashboardId, pinPanel, saveDashboard, useCanEditDashboards, useDashboards } from '../../pages/dashboards/dashboard-store.ts';

const PALETTE = ['#12b886', '#4c6ef5', '#fd7e14', '#e64980', '#7950f2', '#15aabf', '#fab005', '#82c91e'];
const PLOT_HEIGHT = 160;
const LEGEND_HEIGHT = 22;

// Redraws are queued and run in animation frames within a time budget: when several big charts (24 h of 1 s data)
// get new points in the same task, each redraw lands in its own frame instead of one long task for all of them.
const drawQueue = new Map<object, () => void>();
let drawHandle = 0;
const DRAW_BUDGET_MS = 12;

function drainDraws(): void {
  drawHandle = 0;
  const start = performance.now();
  for (const [key, fn] of drawQueue) {
    drawQueue.delete(key);
    fn();
    if (performance.now() - start > DRAW_BUDGET_MS) break;
  }
  if (drawQueue.size) drawHandle = requestAnimationFrame(drainDraws);
}

/** scheduleDraw queues a chart's redraw (the newest one per chart wins). */
function scheduleDraw(key: object, fn: () => void): void {
  drawQueue.set(key, fn);
  if (!drawHandle) drawHandle = requestAnimationFrame(drainDraws);
}

/** SeriesChartProps select one series of one cluster (every member, or one) over a time range. */
export interface SeriesChartProps {
  cluster: string;
  series: string;
  member?: string;
  title: string;
  unit: Unit;
  range: TimeRange;
  /** actions replace the pin menu (a dashboard panel's own menu). */
  actions?: ReactNode;
}

/** PinIcon is a small push-pin drawn inline, so it shows without an emoji font. */
function PinIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      <path d="M9 4h6l-1 5 4 4H6l4-4-1-5z" />
      <path d="M12 13v7" />
    </svg>
  );
}

/** PinMenu pins a chart, with the range it shows, into a chosen shared dashboard or into a new one. */
function PinMenu(p: { cluster: string; series: string; member?: string; title: string; range: RangeKey }) {
  const boards = useDashboards();
  const canEdit = useCanEditDashboards();
  const qc = useQueryClient();
  const [state, setState] = useState<{ error?: unknown; pinned?: string }>({});
  const panel = { cluster: p.cluster, series: p.series, ...(p.member !== undefined ? { member: p.member } : {}), range: p.range };
  const pin = async (id: string | null) => {
    try {
      const d = id === null ? await saveDashboard(qc, { id: newDashboardId(), name: `Dashboard ${(boards.data?.length ?? 0) + 1}`, panels: [panel] }) : await pinPanel(qc, id, panel);
      setState({ pinned: d.name });
    } catch (error) {
      setState({ error });
    }
  };
  const label = !canEdit ? 'Pinning needs the operator role' : state.error ? `Pinning failed: ${errorText(state.error)}` : state.pinned ? `Pinned to ${state.pinned}` : 'Pin to a dashboard';
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Tooltip label={label}>
          <ActionIcon variant="subtle" size="sm" color={state.error ? 'red' : undefined} disabled={!canEdit} aria-label={`Pin ${p.title} to a dashboard`} aria-description={state.error || state.pinned ? label : undefined} data-testid="pin-chart">
            <PinIcon />
          </ActionIcon>
        </Tooltip>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Pin to</Menu.Label>
        {(boards.data ?? []).map((b) => (
          <Menu.Item key={b.id} onClick={() => void pin(b.id)}>
            {b.name}
          </Menu.Item>
        ))}
        <Menu.Item onClick={() => void pin(null)}>New dashboard</Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

/**
 * SeriesChart draws one series with uPlot: one line per member, units on the axis and legend. The card has a fixed
 * height whether it is loading, empty, failing or drawing, so live data never moves the layout.
 */
export function SeriesChart({ cluster, series, member, title, unit, range, actions }: SeriesChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const drawn = useRef(-1);
  const visible = useRef(false);
  const [seen, setSeen] = useState(false);
  const scheme = useComputedColorScheme('light');
  const s = useSeries(cluster, series, member, range, visible, seen);
  const aligned = s.aligned;
  const membersKey = aligned?.members.join(',') ?? '';

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // Charts below the fold are read when first scrolled into view, and live ones only follow the stream while on
    // screen: a cluster page would otherwise open 18 queries at once over the browser's 6 connections.
    const io = new IntersectionObserver(([e]) => {
      visible.current = e?.isIntersecting ?? true;
      if (visible.current) setSeen(true);
    }, { rootMargin: '200px' });
    io.observe(el);
    return () => io.disconnect();
  }, []);

  // The plot is rebuilt only when its shape changes (members, theme, unit); new data goes through setData.
  useEffect(() => {
    const el = box.current;
    if (!el || !aligned || aligned.members.length === 0) return;
    const axis = scheme === 'dark' ? '#a6a7ab' : '#495057';
    const grid = scheme === 'dark' ? 'rgba(255,255,255,0.08)' : 'rgba(0,0,0,0.07)';
    const u = new uPlot(
      {
        width: el.clientWidth || 300,
        height: PLOT_HEIGHT,
        legend: { show: true, live: true },
        cursor: { drag: { x: true, y: false } },
        scales: { x: { time: true } },
        axes: [
          { stroke: axis, grid: { stroke: grid }, ticks: { stroke: grid } },
          { stroke: axis, grid: { stroke: grid }, ticks: { stroke: grid }, size: 76, values: (_u, vals) => vals.map((v) => formatAxis(v, unit)) },
        ],
        series: [
          { value: (_u, v) => (v === null ? '—' : new Date(v * 1000).toLocaleTimeString()) },
          ...aligned.members.map((m, i) => ({ label: m || cluster, stroke: PALETTE[i % PALETTE.length]!, width: 1.5, spanGaps: true, points: { show: false }, value: (_u: uPlot, v: number | null) => formatValue(v, unit) })),
        ],
      },
      aligned.data as uPlot.AlignedData,
      el,
    );
    plot.current = u;
    drawn.current = s.version;
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: PLOT_HEIGHT }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // aligned is left out on purpose: data updates go through setData below, without a rebuild; `shape` counts
    // member-list changes (a new answer, a new member), which do need one.
  }, [s.shape, membersKey, scheme, unit, cluster]);

  // Live updates append to the same arrays in place; setData redraws from them (uPlot decimates to the pixel width).
  useEffect(() => {
    if (!plot.current || !aligned || drawn.current === s.version) return;
    drawn.current = s.version;
    scheduleDraw(plot, () => plot.current?.setData(aligned.data as uPlot.AlignedData));
  }, [aligned, s.version]);
  useEffect(() => () => void drawQueue.delete(plot), []);

  const last = aligned && aligned.data[0].length ? lastValues(aligned) : [];
  const lastMax = last.reduce<number | null>((a, v) => (v !== null && (a === null || v > a) ? v : a), null);
  const empty = aligned !== null && aligned.data[0].length === 0;
  return (
    <Card withBorder padding="xs" data-testid="series-chart" data-series={series}>
      <Group justify="space-between" wrap="nowrap" gap={4} h={24}>
        <Text size="sm" fw={500} truncate="end" title={`${title} (${series})`}>
          {title}
          {member ? ` · ${member}` : ''}
        </Text>
        <Group gap={4} wrap="nowrap">
          <Text size="xs" c="dimmed" className="tabular" miw={70} ta="right">
            {lastMax !== null ? formatValue(lastMax, unit) : ''}
          </Text>
          {actions ?? <PinMenu cluster={cluster} series={series} {...(member !== undefined ? { member } : {})} title={title} range={range.key} />}
        </Group>
      </Group>
      {/* Plot and one-line legend always take the same height, so the page never jumps as data arrives. */}
      <div className="series-plot" style={{ position: 'relative', height: PLOT_HEIGHT + LEGEND_HEIGHT }}>
        <div ref={box} />
        {(aligned === null || empty || s.error !== null) && (
          <Text size="xs" c={s.error ? 'red' : 'dimmed'} style={{ position: 'absolute', inset: 0, display: 'flex', alignItems: 'center', justifyContent: 'center', textAlign: 'center' }}>
            {s.error ? errorText(s.error) : aligned === null ? 'Loading…' : 'No data in this range yet (the series appears once etcd reports it).'}
          </Text>
        )}
      </div>
    </Card>
  );
}
