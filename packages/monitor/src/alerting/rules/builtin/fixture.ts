// Test support for the built-in pack: the real etcd 3.4.23 dumps, edited the way an incident would change them, run
// through the collector's own deriveSeries, and laid out as stored history.
import { prom } from '@etcd-monitor/etcd';
import { metricsDump } from '@etcd-monitor/etcd/testing';
import type { Alarm, StatusResult } from '@etcd-monitor/etcd';
import type { MemberFacts } from '../../../collectors/collector.ts';
import { deriveMember, selectForDerive, type PeerSeries, type Scrape } from '../../../collectors/metrics/derive.ts';
import { peerEvidence } from '../peers.ts';
import { HistogramWindows } from '../../../collectors/metrics/window-quantiles.ts';
import { evaluateHealth, type Finding, type MemberObservation } from '../../../health/health.ts';
import type { Point } from '../../../storage/types.ts';
import type { HistoryReader } from '../evaluate.ts';
import type { ReplaySource } from '../test-rule.ts';
import type { Rule } from '../rule.ts';
import { BUILTIN_RULES } from './index.ts';

/** T0 is the first real dump (a 3-member cluster's leader). */
export const T0 = metricsDump('t0');
/** T1 is the second real dump, about 300 proposals later. */
export const T1 = metricsDump('t1');
const T0_SET = prom.parsePrometheusText(T0);

/** START is the replay's start; any fixed instant works, as no test reads the wall clock. */
export const START = 1_700_000_000_000;
/** MINUTE is one minute in ms. */
export const MINUTE = 60_000;

/** setValue replaces the value of the series written exactly as `series` (name and labels) in a dump. */
export function setValue(text: string, series: string, value: number): string {
  const prefix = `${series} `;
  const i = text.startsWith(prefix) ? 0 : text.indexOf(`\n${prefix}`) + 1;
  if (i <= 0 && !text.startsWith(prefix)) throw new Error(`fixture has no series ${series}`);
  const end = text.indexOf('\n', i);
  return `${text.slice(0, i)}${prefix}${value}${text.slice(end)}`;
}

/**
 * addObservations adds n observations of at most `le` seconds to a histogram: every bucket from `le` up, and the count.
 * `labels` selects one labelled histogram, written as in the dump (`To="104a589dee2f6c05"`).
 */
export function addObservations(text: string, family: string, le: number, n: number, labels = ''): string {
  const bucket = new RegExp(`^${family}_bucket\\{${labels ? `${labels},` : ''}le="([^"]+)"\\} (\\S+)$`);
  const count = new RegExp(`^${family}_count${labels ? `\\{${labels}\\}` : ''} (\\S+)$`);
  return text
    .split('\n')
    .map((line) => {
      const b = bucket.exec(line);
      if (b && (b[1] === '+Inf' || Number(b[1]) >= le)) return line.replace(/ \S+$/, ` ${Number(b[2]) + n}`);
      const c = count.exec(line);
      if (c) return line.replace(/ \S+$/, ` ${Number(c[1]) + n}`);
      return line;
    })
    .join('\n');
}

/** Step is one derived sample of every series at one instant. */
export interface Step {
  /** t is the scrape time. */
  t: number;
  /** series are deriveSeries' values. */
  series: Record<string, number>;
  /** peers are derivePeers' links of the scraped member, labelled by the peers' hex ids. */
  peers?: PeerSeries[];
}

/** IDS are the hex member ids in the dumps: the scraped leader (m1) and its two peers. */
export const IDS: Readonly<Record<string, string>> = { m1: '62024034f6077aa1', m2: '104a589dee2f6c05', m3: 'd403d15a2c04e767' };

/**
 * attributed adds to each member's steps what the other members' peer links say about it, through the monitor's own
 * peerEvidence (as the service records it): failures and round trips towards m3 in m1's dump become m3's series.
 */
export function attributed(members: Record<string, Step[]>, ids: Readonly<Record<string, string>> = IDS): Record<string, Step[]> {
  const out: Record<string, Step[]> = {};
  for (const name of Object.keys(ids)) out[name] = (members[name] ?? []).map((x) => ({ ...x, series: { ...x.series } }));
  const times = [...new Set(Object.values(members).flatMap((steps) => steps.map((x) => x.t)))].sort((a, b) => a - b);
  for (const t of times) {
    const facts: MemberFacts[] = Object.entries(ids).map(([name, id]) => {
      const step = members[name]?.find((x) => x.t === t);
      return {
        endpoint: `http://${name}:2379`,
        id,
        name,
        status: null,
        statusAt: t,
        statusLatencyMs: null,
        error: null,
        downSince: null,
        memberIds: null,
        probe: null,
        metrics: step ? { at: t, series: step.series, scrapeMs: 1, peers: step.peers ?? [] } : null,
        metricsError: null,
      };
    });
    for (const e of peerEvidence(facts)) {
      const list = out[e.member]!;
      let step = list.find((x) => x.t === t);
      if (!step) list.push((step = { t, series: {} }));
      Object.assign(step.series, e.series);
    }
  }
  for (const list of Object.values(out)) list.sort((a, b) => a.t - b.t);
  return out;
}

/**
 * timeline derives `steps` samples, `stepMs` apart from START: each pairs the real t0 dump (30 s earlier) with the t1
 * dump as `edit(i)` changes it, so rates and window quantiles come from the collector's own code.
 */
export function timeline(steps: number, stepMs: number, edit: (i: number, t1: string) => string = (_i, t) => t): Step[] {
  const out: Step[] = [];
  const plain = prom.parsePrometheusText(T1);
  for (let i = 0; i < steps; i++) {
    const t = START + i * stepMs;
    const text = edit(i, T1);
    const set = text === T1 ? plain : prom.parsePrometheusText(text);
    out.push({ t, ...deriveMember({ at: t - 30_000, set: T0_SET }, { at: t, set }) });
  }
  return out;
}

/** Observations are n observations of at most `le` seconds added to a histogram family (`labels` as in addObservations). */
export interface Observations {
  family: string;
  le: number;
  n: number;
  labels?: string;
}

/**
 * scrapes derives a member's samples the way the metrics collector does, one scrape every `stepMs` from START: the
 * real t1 dump, with the observations `add(i)` returns added to its histograms cumulatively at each scrape, derived
 * against the previous scrape (the real t0 dump before the first, edited as step -1) and through the collector's
 * 5-minute HistogramWindows. `edit` changes other values of each scrape, as in timeline.
 */
export function scrapes(steps: number, stepMs: number, add: (i: number) => Observations[], edit: (i: number, text: string) => string = (_i, t) => t): Step[] {
  const windows = new HistogramWindows();
  const out: Step[] = [];
  // Cut down to what the collector parses, as it does, which also keeps a 200-scrape replay fast.
  let text = selectForDerive(T1);
  let prev: Scrape = { at: START - 30_000, set: prom.parsePrometheusText(selectForDerive(edit(-1, T0))) };
  for (let i = 0; i < steps; i++) {
    const t = START + i * stepMs;
    for (const o of add(i)) text = addObservations(text, o.family, o.le, o.n, o.labels);
    const set = prom.parsePrometheusText(edit(i, text));
    const { series, peers } = deriveMember(prev, { at: t, set });
    windows.add(t, set, series, peers);
    prev = { at: t, set };
    out.push({ t, series, peers });
  }
  return out;
}

/** historyOf turns per-member timelines into a HistoryReader, as the store would answer it. */
export function historyOf(members: Record<string, Step[]>): HistoryReader {
  return (series, _cluster, member, from, to) => {
    const pts: Point[] = [];
    for (const s of members[member] ?? []) if (s.t >= from && s.t <= to && s.series[series] !== undefined) pts.push({ t: s.t, v: s.series[series]! });
    return pts;
  };
}

/** replay builds a ReplaySource for cluster `c1` from member timelines and optional findings. */
export function replay(members: Record<string, Step[]>, findings?: (t: number) => Finding[]): ReplaySource {
  return { cluster: 'c1', members: Object.keys(members), read: historyOf(members), ...(findings ? { findings } : {}) };
}

/** status is a member's status answer for evaluateHealth. */
export function status(id: string, leader: string, o: Partial<StatusResult> = {}): StatusResult {
  return {
    id,
    clusterId: 'c',
    version: '3.4.23',
    dbSize: 167936,
    dbSizeInUse: 167936,
    leader,
    raftTerm: 5,
    raftIndex: 1812,
    raftAppliedIndex: 1812,
    errors: [],
    isLearner: false,
    ...o,
  };
}

/** observe makes a MemberObservation for evaluateHealth from a status (null: down). */
export function observe(name: string, id: string, s: StatusResult | null, metrics: Record<string, number> | null = null): MemberObservation {
  return {
    endpoint: `http://${name}:2379`,
    id,
    name,
    status: s,
    linearizableOk: s ? true : null,
    probeError: null,
    memberIds: null,
    metrics,
    error: s ? null : { message: 'connection refused', code: 'ETCD_UNAVAILABLE' },
  };
}

/** findingsOf runs the real health model over member observations. */
export function findingsOf(members: MemberObservation[], alarms: Alarm[] | null = null): Finding[] {
  return evaluateHealth(members, null, alarms).findings;
}

/** points is a constant-valued series every `stepMs` over `steps` steps, for series the dumps do not hold (status, probe). */
export function points(steps: number, stepMs: number, values: Record<string, number> | ((i: number) => Record<string, number>)): Step[] {
  return Array.from({ length: steps }, (_, i) => ({ t: START + i * stepMs, series: typeof values === 'function' ? values(i) : values }));
}

/** builtin returns the built-in rule of that name (and severity, for the mixin's two-level rules). */
export function builtin(name: string, severity?: string): Rule {
  const r = BUILTIN_RULES.find((x) => x.name === name && (severity === undefined || x.severity === severity));
  if (!r) throw new Error(`no built-in rule ${name} ${severity ?? ''}`);
  return r;
}
