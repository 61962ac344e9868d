/** MemberPoints is one member's points of a series, times in ms. */
export interface MemberPoints {
  member: string;
  points: Array<{ t: number; v: number }>;
}

/** Aligned is uPlot's data layout: x in seconds, then one y array per member with nulls where it has no point. */
export interface Aligned {
  members: string[];
  data: [number[], ...Array<Array<number | null>>];
}

const byT = (a: { t: number }, b: { t: number }) => a.t - b.t;

function sorted(points: Array<{ t: number; v: number }>): Array<{ t: number; v: number }> {
  for (let i = 1; i < points.length; i++) if (points[i]!.t < points[i - 1]!.t) return [...points].sort(byT);
  return points;
}

/**
 * alignSeries merges per-member point lists onto one shared, sorted time axis, as uPlot needs. Members sample at
 * different instants, so each member gets null where another member has a point and it has none; the chart spans
 * those gaps. The lists come sorted from the store, so this is one k-way merge: linear in the points, no sets or maps
 * (86,400 points for each of 3 members align in a few milliseconds).
 */
export function alignSeries(input: MemberPoints[]): Aligned {
  const cols = [...input].sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0)).map((m) => ({ member: m.member, points: sorted(m.points) }));
  const k = cols.length;
  const at = new Array<number>(k).fill(0);
  const xs: number[] = [];
  const ys: Array<Array<number | null>> = cols.map(() => []);
  for (;;) {
    let t = Infinity;
    for (let j = 0; j < k; j++) {
      const p = cols[j]!.points[at[j]!];
      if (p !== undefined && p.t < t) t = p.t;
    }
    if (t === Infinity) break;
    xs.push(t / 1000);
    for (let j = 0; j < k; j++) {
      const pts = cols[j]!.points;
      let v: number | null = null;
      // Two samples at the same instant: the later one wins, on one x.
      while (at[j]! < pts.length && pts[at[j]!]!.t === t) v = pts[at[j]!++]!.v;
      ys[j]!.push(v);
    }
  }
  return { members: cols.map((c) => c.member), data: [xs, ...ys] };
}

/** Bands are each member's bucket minimum and maximum, column by column as in the Aligned they belong to. */
export interface Bands {
  lo: Array<Array<number | null>>;
  hi: Array<Array<number | null>>;
}

/**
 * alignBands aligns the min and max of bucketed points (rollups and bucketed raw reads carry them) onto the same axis
 * as alignSeries' averages, so a chart can shade each member's range: a 2 s spike inside a 15 s bucket still shows.
 * Returns null when no point carries a min or max (raw samples).
 */
export function alignBands(input: Array<{ member: string; points: Array<{ t: number; v: number; min?: number; max?: number }> }>): Bands | null {
  if (!input.some((m) => m.points.some((p) => p.min !== undefined || p.max !== undefined))) return null;
  const lo = alignSeries(input.map((m) => ({ member: m.member, points: m.points.map((p) => ({ t: p.t, v: p.min ?? p.v })) })));
  const hi = alignSeries(input.map((m) => ({ member: m.member, points: m.points.map((p) => ({ t: p.t, v: p.max ?? p.v })) })));
  return { lo: lo.data.slice(1) as Array<Array<number | null>>, hi: hi.data.slice(1) as Array<Array<number | null>> };
}

/** lowerBound is the first index of a sorted array whose value is >= x. */
function lowerBound(xs: number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * appendAligned adds newer points to aligned data in place and drops the points older than `since` (ms). New times
 * are pushed onto the end of the arrays, so a live update costs what it adds, not the length of the window; uPlot then
 * redraws from the same arrays. A point at or before the axis end lands on its time (inserted when new), and a member
 * seen for the first time gets a column of nulls. Returns whether the members changed (the plot needs rebuilding).
 */
export function appendAligned(a: Aligned, add: MemberPoints[], since: number): boolean {
  let membersChanged = false;
  const xs = a.data[0];
  // The y columns (index 1 on); x is index 0 and holds no nulls.
  const cols = a.data as Array<Array<number | null>>;
  const tail: Array<{ t: number; col: number; v: number }> = [];
  for (const m of add) {
    if (m.points.length === 0) continue;
    let col = a.members.indexOf(m.member);
    if (col < 0) {
      col = lowerBound(a.members as unknown as number[], m.member as unknown as number);
      a.members.splice(col, 0, m.member);
      cols.splice(col + 1, 0, new Array<number | null>(xs.length).fill(null));
      for (const e of tail) if (e.col >= col) e.col++;
      membersChanged = true;
    }
    for (const p of m.points) {
      const x = p.t / 1000;
      if (xs.length === 0 || x > xs[xs.length - 1]!) {
        tail.push({ t: x, col, v: p.v });
        continue;
      }
      const i = lowerBound(xs, x);
      if (xs[i] === x) {
        cols[col + 1]![i] = p.v;
      } else {
        xs.splice(i, 0, x);
        for (let j = 1; j < cols.length; j++) a.data[j]!.splice(i, 0, j === col + 1 ? p.v : null);
      }
    }
  }
  tail.sort((p, q) => p.t - q.t);
  for (let i = 0; i < tail.length;) {
    const x = tail[i]!.t;
    xs.push(x);
    for (let j = 1; j < cols.length; j++) cols[j]!.push(null);
    for (; i < tail.length && tail[i]!.t === x; i++) cols[tail[i]!.col + 1]![xs.length - 1] = tail[i]!.v;
  }
  const drop = lowerBound(xs, since / 1000);
  if (drop > 0) for (const c of cols) c.splice(0, drop);
  return membersChanged;
}

/** lastValues returns each member's newest non-null value (null when it has none), scanning back from the end. */
export function lastValues(a: Aligned): Array<number | null> {
  return a.data.slice(1).map((col) => {
    for (let i = col.length - 1; i >= 0; i--) if (col[i] !== null && col[i] !== undefined) return col[i]!;
    return null;
  });
}

/** lastTime returns the newest time on the axis in ms, or 0 when there is none. */
export function lastTime(a: Aligned): number {
  const xs = a.data[0];
  return xs.length ? Math.round(xs[xs.length - 1]! * 1000) : 0;
}
