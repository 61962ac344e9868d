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

/**
 * alignSeries merges per-member point lists onto one shared, sorted time axis, as uPlot needs. Members sample at
 * different instants, so each member gets null where another member has a point and it has none; the chart spans
 * those gaps.
 */
export function alignSeries(input: MemberPoints[]): Aligned {
  const members = input.map((m) => m.member).sort();
  const byMember = new Map(input.map((m) => [m.member, m.points]));
  const times = new Set<number>();
  for (const m of input) for (const p of m.points) times.add(p.t);
  const ts = [...times].sort((a, b) => a - b);
  const index = new Map(ts.map((t, i) => [t, i]));
  const ys = members.map((name) => {
    const col: Array<number | null> = new Array(ts.length).fill(null);
    for (const p of byMember.get(name) ?? []) col[index.get(p.t)!] = p.v;
    return col;
  });
  return { members, data: [ts.map((t) => t / 1000), ...ys] };
}

/** mergePoints appends newer points to a member list and drops those older than `since` (ms), keeping order. */
export function mergePoints(old: MemberPoints[], add: MemberPoints[], since: number): MemberPoints[] {
  const out = new Map(old.map((m) => [m.member, m.points]));
  for (const m of add) {
    const cur = out.get(m.member) ?? [];
    const last = cur.length ? cur[cur.length - 1]!.t : -Infinity;
    out.set(m.member, [...cur, ...m.points.filter((p) => p.t > last)]);
  }
  return [...out.entries()].map(([member, points]) => {
    let i = 0;
    while (i < points.length && points[i]!.t < since) i++;
    return { member, points: i ? points.slice(i) : points };
  });
}
