import type { Point } from '../../model/series.ts';
import type { Finding } from '../../model/health.ts';
import type { ClusterSnapshot } from '../../model/cluster.ts';
import { COMPARISONS, isConstant, type BinaryOp, type Expr, type LabelMatcher } from './expr.ts';
import { currentSeries, memberLabel, type CurrentValue } from './series.ts';
import { peerEvidence } from './peers.ts';

/**
 * Window is a series' points inside a time range as columns — times `t[i]` and values `v[i]` for `start <= i < end`,
 * oldest first — so a reader can hand out its own buffers without copying: rules read thousands of points per member
 * every few seconds, and as `{t, v}` objects those reads were the monitor's largest source of garbage.
 */
export interface Window {
  /** t holds the times (ms). */
  readonly t: ArrayLike<number>;
  /** v holds the values. */
  readonly v: ArrayLike<number>;
  /** start is the first index inside the range. */
  readonly start: number;
  /** end is one past the last index inside the range. */
  readonly end: number;
}

/** HistoryReader reads one stored series of one member (or '' for the cluster) over a closed time range, oldest first. */
export type HistoryReader = (series: string, cluster: string, member: string, from: number, to: number) => Point[] | Window;

/** windowOf views points as a Window (a Window is returned as it is). */
export function windowOf(pts: Point[] | Window): Window {
  if (!Array.isArray(pts)) return pts;
  return { t: pts.map((p) => p.t), v: pts.map((p) => p.v), start: 0, end: pts.length };
}

const EMPTY: Window = { t: [], v: [], start: 0, end: 0 };

/** Vector is an expression's result: one value per member, keyed by member name ('' for a cluster-level value). */
export type Vector = Map<string, number>;

/** EvalScope is everything an expression can read at one instant for one cluster. */
export interface EvalScope {
  /** cluster is the cluster's name. */
  cluster: string;
  /** now is the evaluation instant (ms). */
  now: number;
  /** members are the cluster's members by name, as their series are keyed. */
  members: string[];
  /** instant returns a member's current value of a series, if it has one. */
  instant(series: string, member: string): number | undefined;
  /** range returns a member's points of a series inside [from, to], oldest first. */
  range(series: string, member: string, from: number, to: number): Window;
  /** findings are the health model's current findings. */
  findings(): Finding[];
}

// Like Prometheus's lookback delta: an instant value older than this is gone, not current.
const LOOKBACK_MS = 5 * 60_000;

/**
 * snapshotScope reads current values from a cluster snapshot and windows from stored history, adding the snapshot's
 * own value when the store has not flushed it yet, so a fresh sample counts at once.
 */
export function snapshotScope(snapshot: ClusterSnapshot, history: HistoryReader, now: number): EvalScope {
  const byMember = new Map<string, Record<string, CurrentValue>>();
  for (const f of snapshot.members) byMember.set(memberLabel(f), currentSeries(f, snapshot.at));
  for (const e of peerEvidence(snapshot.members)) {
    const cur = byMember.get(e.member);
    if (cur) for (const [k, v] of Object.entries(e.series)) cur[k] = { t: e.t, v };
  }
  const reads = new Map<string, Window>();
  return {
    cluster: snapshot.name,
    now,
    members: [...byMember.keys()],
    instant(series, member) {
      const c = byMember.get(member)?.[series];
      return c && c.t >= now - LOOKBACK_MS ? c.v : undefined;
    },
    range(series, member, from, to) {
      // Rules share windows (the warning and critical variants read the same ones), so each is read once per evaluation.
      const key = `${series}\u0000${member}\u0000${from}\u0000${to}`;
      let w = reads.get(key);
      if (!w) {
        w = windowOf(history(series, snapshot.name, member, from, to));
        const c = byMember.get(member)?.[series];
        if (c && c.t >= from && c.t <= to && (w.end === w.start || w.t[w.end - 1]! < c.t)) {
          const t = Array.from({ length: w.end - w.start + 1 }, (_, i) => (i < w!.end - w!.start ? w!.t[w!.start + i]! : c.t));
          const v = Array.from({ length: t.length }, (_, i) => (i < w!.end - w!.start ? w!.v[w!.start + i]! : c.v));
          w = { t, v, start: 0, end: t.length };
        }
        reads.set(key, w);
      }
      return w;
    },
    findings: () => snapshot.health.findings,
  };
}

/** historyScope reads everything from stored history, as of `now`: what testRule replays. */
export function historyScope(cluster: string, members: string[], history: HistoryReader, now: number, findings: () => Finding[] = () => []): EvalScope {
  return {
    cluster,
    now,
    members,
    instant(series, member) {
      const w = windowOf(history(series, cluster, member, now - LOOKBACK_MS, now));
      return w.end > w.start ? w.v[w.end - 1] : undefined;
    },
    range: (series, member, from, to) => windowOf(history(series, cluster, member, from, to)),
    findings,
  };
}

type Value = number | Vector;

/** evaluateExpr evaluates a parsed expression; the result holds the members (or the cluster, key '') where it holds. */
export function evaluateExpr(e: Expr, scope: EvalScope): Vector {
  const v = evalNode(e, scope);
  return typeof v === 'number' ? new Map() : v;
}

function evalNode(e: Expr, s: EvalScope): Value {
  switch (e.kind) {
    case 'number':
      return e.value;
    case 'duration':
      return e.ms / 1000;
    case 'string':
      return NaN;
    case 'neg': {
      const v = evalNode(e.expr, s);
      return typeof v === 'number' ? -v : mapValues(v, (x) => -x);
    }
    case 'selector': {
      const out: Vector = new Map();
      for (const m of selectMembers(e.matchers, s)) {
        const v = s.instant(e.series, m);
        if (v !== undefined) out.set(m, v);
      }
      return out;
    }
    case 'call':
      return evalCall(e, s);
    case 'binary':
      return evalBinary(e.op, evalNode(e.lhs, s), evalNode(e.rhs, s));
  }
}

function selectMembers(matchers: LabelMatcher[], s: EvalScope): string[] {
  const ok = (m: LabelMatcher, v: string) => {
    switch (m.op) {
      case '=':
        return v === m.value;
      case '!=':
        return v !== m.value;
      case '=~':
        return new RegExp(`^(?:${m.value})$`).test(v);
      case '!~':
        return !new RegExp(`^(?:${m.value})$`).test(v);
    }
  };
  if (!matchers.filter((m) => m.name === 'cluster').every((m) => ok(m, s.cluster))) return [];
  return s.members.filter((member) => matchers.filter((m) => m.name === 'member').every((m) => ok(m, member)));
}

function evalCall(e: Extract<Expr, { kind: 'call' }>, s: EvalScope): Value {
  const { fn, args } = e;
  if (fn === 'finding') {
    const code = (args[0] as { value: string }).value;
    const out: Vector = new Map();
    for (const f of s.findings()) if (f.code === code) out.set(f.member ?? '', 1);
    return out;
  }
  if (fn === 'absent' || fn === 'stale') {
    const sel = args[0] as Extract<Expr, { kind: 'selector' }>;
    const out: Vector = new Map();
    for (const m of selectMembers(sel.matchers, s)) {
      const missing = sel.rangeMs === undefined ? s.instant(sel.series, m) === undefined : isEmpty(s.range(sel.series, m, s.now - sel.rangeMs, s.now));
      if (missing) out.set(m, 1);
    }
    return out;
  }
  if (fn === 'abs') {
    const v = evalNode(args[0]!, s);
    return typeof v === 'number' ? Math.abs(v) : mapValues(v, Math.abs);
  }
  if (fn === 'sum' || fn === 'avg' || fn === 'min' || fn === 'max' || fn === 'count') {
    const v = evalNode(args[0]!, s);
    const xs = typeof v === 'number' ? [v] : [...v.values()];
    if (xs.length === 0) return new Map();
    const sum = xs.reduce((a, b) => a + b, 0);
    const r = fn === 'sum' ? sum : fn === 'avg' ? sum / xs.length : fn === 'min' ? Math.min(...xs) : fn === 'max' ? Math.max(...xs) : xs.length;
    return new Map([['', r]]);
  }
  // Range functions.
  const selArg = fn === 'quantile_over_time' ? args[1]! : args[0]!;
  const sel = selArg as Extract<Expr, { kind: 'selector' }>;
  const w = sel.rangeMs!;
  const out: Vector = new Map();
  for (const m of selectMembers(sel.matchers, s)) {
    const v = rangeFn(fn, s.range(sel.series, m, s.now - w, s.now), w, s.now, args);
    if (v !== undefined && Number.isFinite(v)) out.set(m, v);
  }
  return out;
}

function isEmpty(w: Window): boolean {
  return w.end <= w.start;
}

function rangeFn(fn: string, w: Window, windowMs: number, now: number, args: Expr[]): number | undefined {
  const { t, v, start, end } = w;
  const n = end - start;
  if (n <= 0) return undefined;
  switch (fn) {
    case 'increase':
    case 'rate': {
      if (n < 2) return undefined;
      let inc = 0;
      // A value that dropped is a counter reset (a restart): the new value is what was counted since, as in PromQL.
      for (let i = start + 1; i < end; i++) inc += v[i]! >= v[i - 1]! ? v[i]! - v[i - 1]! : v[i]!;
      return fn === 'increase' ? inc : inc / (windowMs / 1000);
    }
    case 'delta':
      return n < 2 ? undefined : v[end - 1]! - v[start]!;
    case 'avg_over_time':
    case 'sum_over_time': {
      let sum = 0;
      for (let i = start; i < end; i++) sum += v[i]!;
      return fn === 'sum_over_time' ? sum : sum / n;
    }
    case 'count_over_time':
      return n;
    case 'max_over_time':
    case 'min_over_time': {
      let m = v[start]!;
      for (let i = start + 1; i < end; i++) m = fn === 'max_over_time' ? Math.max(m, v[i]!) : Math.min(m, v[i]!);
      return m;
    }
    case 'last_over_time':
      return v[end - 1];
    case 'quantile_over_time': {
      const q = (args[0] as { value: number }).value;
      const sorted = Float64Array.from({ length: n }, (_, i) => v[start + i]!).sort();
      const rank = q * (n - 1);
      const lo = Math.floor(rank);
      const hi = Math.min(n - 1, lo + 1);
      return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
    }
    case 'predict_linear': {
      if (n < 2) return undefined;
      const ahead = args[1]!.kind === 'duration' ? (args[1] as { ms: number }).ms / 1000 : (args[1] as { value: number }).value;
      // Least squares over (seconds relative to now, value), as PromQL's predict_linear.
      let sx = 0,
        sy = 0,
        sxx = 0,
        sxy = 0;
      for (let i = start; i < end; i++) {
        const x = (t[i]! - now) / 1000;
        sx += x;
        sy += v[i]!;
        sxx += x * x;
        sxy += x * v[i]!;
      }
      const den = n * sxx - sx * sx;
      if (den === 0) return undefined;
      const slope = (n * sxy - sx * sy) / den;
      const intercept = (sy - slope * sx) / n;
      return intercept + slope * ahead;
    }
  }
  return undefined;
}

function mapValues(v: Vector, f: (x: number) => number): Vector {
  const out: Vector = new Map();
  for (const [k, x] of v) {
    const y = f(x);
    if (Number.isFinite(y)) out.set(k, y);
  }
  return out;
}

function arith(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '<':
      return a < b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    default:
      return NaN;
  }
}

// A cluster-level value (key '') applies to every member of the other side, so `x > sum(y)` or
// `max(a) / count(b)` match without PromQL's on()/group_left.
function partner(v: Vector, key: string): number | undefined {
  const x = v.get(key);
  if (x !== undefined) return x;
  return v.size === 1 && v.has('') ? v.get('') : undefined;
}

function evalBinary(op: BinaryOp, l: Value, r: Value): Value {
  const cmp = COMPARISONS.has(op);
  if (typeof l === 'number' && typeof r === 'number') return arith(op, l, r);
  if (op === 'and' || op === 'or' || op === 'unless') {
    const lv = typeof l === 'number' ? new Map([['', l]]) : l;
    const rv = typeof r === 'number' ? new Map([['', r]]) : r;
    const out: Vector = new Map();
    if (op === 'or') {
      for (const [k, x] of lv) out.set(k, x);
      for (const [k, x] of rv) if (!out.has(k)) out.set(k, x);
      return out;
    }
    for (const [k, x] of lv) if ((partner(rv, k) !== undefined) === (op === 'and')) out.set(k, x);
    return out;
  }
  const out: Vector = new Map();
  const put = (k: string, a: number, b: number, keep: number) => {
    const y = arith(op, a, b);
    if (cmp) {
      if (y === 1) out.set(k, keep);
    } else if (Number.isFinite(y)) out.set(k, y);
  };
  if (typeof r === 'number') {
    for (const [k, a] of l as Vector) put(k, a, r, a);
    return out;
  }
  if (typeof l === 'number') {
    for (const [k, b] of r) put(k, l, b, b);
    return out;
  }
  if (l.size === 1 && l.has('') && !(r.size === 1 && r.has(''))) {
    const a = l.get('')!;
    for (const [k, b] of r) put(k, a, b, a);
    return out;
  }
  for (const [k, a] of l) {
    const b = partner(r, k);
    if (b !== undefined) put(k, a, b, a);
  }
  return out;
}

/** thresholdOf finds the constant a rule compares against (`x > 0.5` → 0.5), for `{{ $threshold }}`. */
export function thresholdOf(e: Expr): number | undefined {
  if (e.kind !== 'binary') return undefined;
  if (COMPARISONS.has(e.op)) {
    const c = isConstant(e.rhs) ? e.rhs : isConstant(e.lhs) ? e.lhs : undefined;
    if (!c) return undefined;
    const v = evalNode(c, EMPTY_SCOPE);
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  }
  return thresholdOf(e.lhs) ?? thresholdOf(e.rhs);
}

const EMPTY_SCOPE: EvalScope = { cluster: '', now: 0, members: [], instant: () => undefined, range: () => EMPTY, findings: () => [] };
