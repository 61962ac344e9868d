import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ActionIcon, Card, Group, Menu, Text, Tooltip, useComputedColorScheme } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { lastValues, type Aligned, type Bands } from '../../lib/align.ts';
import { formatAxis, formatValue, UNIT_LABEL, type Unit } from '../../lib/format.ts';
import { errorText } from '../../api/client.ts';
import { useSeries } from './use-series.ts';
import type { RangeKey, TimeRange } from './ranges.ts';
import { newDashboardId, pinPanel, saveDashboard, useCanEditDashboards, useDashboards } from '../../pages/dashboards/dashboard-store.ts';

// Okabe–Ito's colour-blind-safe set (black swapped for a grey that reads on both themes): members told apart by hue.
const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#b8a800', '#8a8a8a'];

/** memberColor is the colour of the member at index i of a chart's sorted member list (the same on every chart). */
export function memberColor(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** plotData puts the members' columns, then their band maxima and minima, into one uPlot data array. */
function plotData(a: Aligned, bands: Bands | null): uPlot.AlignedData {
  return (bands ? [a.data[0], ...a.data.slice(1), ...bands.hi, ...bands.lo] : a.data) as uPlot.AlignedData;
}
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
      const d =
        id === null ? await saveDashboard(qc, { id: newDashboardId(), name: `Dashboard ${(boards.data?.length ?? 0) + 1}`, panels: [panel] }) : await pinPanel(qc, id, panel);
      setState({ pinned: d.name });
    } catch (error) {
      setState({ error });
    }
  };
  const label = !canEdit
    ? 'Pinning needs the operator role'
    : state.error
      ? `Pinning failed: ${errorText(state.error)}`
      : state.pinned
        ? `Pinned to ${state.pinned}`
        : 'Pin to a dashboard';
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Tooltip label={label}>
          <ActionIcon
            variant="subtle"
            size="sm"
            color={state.error ? 'red' : undefined}
            disabled={!canEdit}
            aria-label={`Pin ${p.title} to a dashboard`}
            aria-description={state.error || state.pinned ? label : undefined}
            data-testid="pin-chart"
          >
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
  const bands = s.bands;
  // hover is the data index under the cursor; the legend shows the values there, else each member's latest.
  const [hover, setHover] = useState<number | null>(null);
  const membersKey = aligned?.members.join(',') ?? '';
  const banded = bands !== null;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // Charts below the fold are read when first scrolled into view, and live ones only follow the stream while on
    // screen: a cluster page would otherwise open 18 queries at once over the browser's 6 connections.
    const io = new IntersectionObserver(
      ([e]) => {
        visible.current = e?.isIntersecting ?? true;
        if (visible.current) setSeen(true);
      },
      { rootMargin: '200px' },
    );
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
        legend: { show: false },
        cursor: { drag: { x: true, y: false } },
        scales: { x: { time: true } },
        axes: [
          { stroke: axis, grid: { stroke: grid }, ticks: { stroke: grid } },
          { stroke: axis, grid: { stroke: grid }, ticks: { stroke: grid }, size: 76, values: (_u, vals) => vals.map((v) => formatAxis(v, unit)) },
        ],
        series: [
          {},
          ...aligned.members.map((m, i) => ({ label: m || cluster, stroke: memberColor(i), width: 1.5, spanGaps: true, points: { show: false } })),
          // Band edges are drawn only as the fill between them.
          ...(bands ? [...aligned.members, ...aligned.members].map((m) => ({ label: m, stroke: 'transparent', width: 0, spanGaps: true, points: { show: false } })) : []),
        ],
        ...(bands
          ? {
              bands: aligned.members.map((_m, i) => ({
                series: [1 + aligned.members.length + i, 1 + 2 * aligned.members.length + i] as [number, number],
                fill: `${memberColor(i)}33`,
              })),
            }
          : {}),
        hooks: { setCursor: [(p) => setHover(p.cursor.idx ?? null)] },
      },
      plotData(aligned, bands),
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
    // eslint-disable-next-line react-hooks/exhaustive-deps -- aligned, bands and s.version change with every data update, which setData draws without a rebuild
  }, [s.shape, membersKey, scheme, unit, cluster, banded]);

  // Live updates append to the same arrays in place; setData redraws from them (uPlot decimates to the pixel width).
  useEffect(() => {
    if (!plot.current || !aligned || drawn.current === s.version) return;
    drawn.current = s.version;
    scheduleDraw(plot, () => plot.current?.setData(plotData(aligned, bands)));
  }, [aligned, bands, s.version]);
  useEffect(() => () => void drawQueue.delete(plot), []);

  const last = aligned && aligned.data[0].length ? lastValues(aligned) : [];
  let top = -1;
  for (let i = 0; i < last.length; i++) if (last[i] !== null && (top < 0 || last[i]! > last[top]!)) top = i;
  const shown = aligned && hover !== null && hover < aligned.data[0].length ? aligned.data.slice(1).map((c) => c[hover] ?? null) : last;
  const whose = (m: string) => m || cluster;
  const empty = aligned !== null && aligned.data[0].length === 0;
  return (
    <Card withBorder padding="xs" data-testid="series-chart" data-series={series}>
      <Group justify="space-between" wrap="nowrap" gap={4} h={24}>
        <Text size="sm" fw={500} truncate="end" title={`${title} (${series})`}>
          {title}
          {member ? ` · ${member}` : ''}
          <Text span size="xs" c="dimmed">
            {' '}
            ({UNIT_LABEL[unit]})
          </Text>
        </Text>
        <Group gap={4} wrap="nowrap">
          {top >= 0 && aligned && (
            <Text
              size="xs"
              c="dimmed"
              className="tabular"
              ta="right"
              truncate="end"
              maw={160}
              title={`highest latest value: ${whose(aligned.members[top]!)}`}
              data-testid="chart-top"
            >
              {formatValue(last[top], unit)}
              {aligned.members.length > 1 ? ` · ${whose(aligned.members[top]!)}` : ''}
            </Text>
          )}
          {actions ?? <PinMenu cluster={cluster} series={series} {...(member !== undefined ? { member } : {})} title={title} range={range.key} />}
        </Group>
      </Group>
      {/* Plot and one-line legend always take the same height, so the page never jumps as data arrives. */}
      <div className="series-plot" style={{ position: 'relative', height: PLOT_HEIGHT + LEGEND_HEIGHT }}>
        <div ref={box} />
        {aligned && aligned.members.length > 0 && (
          <div className="series-legend tabular" data-testid="chart-legend" title={bands ? `${range.label}: lines are averages per ${range.step}; shaded: min–max` : undefined}>
            {aligned.members.map((m, i) => (
              <span key={m} data-member={m}>
                <span className="series-swatch" style={{ background: memberColor(i) }} aria-hidden />
                {whose(m)}: <b>{formatValue(shown[i], unit)}</b>
              </span>
            ))}
          </div>
        )}
        {(aligned === null || empty || s.error !== null) && (
          <Text
            size="xs"
            c={s.error ? 'red' : 'dimmed'}
            style={{ position: 'absolute', inset: 0, display: 'flex', alignItems: 'center', justifyContent: 'center', textAlign: 'center' }}
          >
            {s.error
              ? errorText(s.error)
              : aligned === null
                ? 'Loading…'
                : series === 'probe_write_ms'
                  ? 'The write probe is off. It is opt-in because it writes to the cluster (one key under /etcd-monitor/probe/, overwritten each time): turn it on with write_probe = true in the cluster’s config, or in Settings.'
                  : 'No data in this range yet (the series appears once etcd reports it).'}
          </Text>
        )}
      </div>
    </Card>
  );
}
