/** GaugeMerge is how the samples of one gauge series from several workers become one: summed, or the lowest or highest value. */
export type GaugeMerge = 'sum' | 'min' | 'max';

interface Family {
  head: string[];
  type: string;
  /** series maps a sample's name and labels (the line up to its value) to the value. */
  series: Map<string, number>;
}

type Exposition = Map<string, Family>;

function parseValue(v: string): number {
  return v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v);
}

function formatValue(v: number): string {
  return v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
}

/** parseExposition reads a Prometheus text exposition (as the gateway's registry renders it) into families of series. */
function parseExposition(text: string, skip: ReadonlySet<string>): Exposition {
  const out: Exposition = new Map();
  let current: Family | undefined;
  for (const line of text.split('\n')) {
    if (!line) continue;
    const m = /^# (HELP|TYPE) (\S+)(?: (\S+))?/.exec(line);
    if (m) {
      const name = m[2]!;
      current = skip.has(name) ? undefined : out.get(name);
      if (!current && !skip.has(name)) out.set(name, (current = { head: [], type: 'untyped', series: new Map() }));
      if (current && !current.head.some((h) => h.startsWith(`# ${m[1]}`))) current.head.push(line);
      if (current && m[1] === 'TYPE') current.type = m[3] ?? 'untyped';
      continue;
    }
    if (line.startsWith('#') || !current) continue;
    const sp = line.lastIndexOf(' ');
    current.series.set(line.slice(0, sp), parseValue(line.slice(sp + 1)));
  }
  return out;
}

/**
 * WorkerMetrics merges the metrics of a gateway's workers into one exposition shaped as a single gateway's: each series
 * appears once, with no worker label. Counters and histograms are summed, and a worker's last scraped values stay in the
 * sum after it exits (a restart must not look like a counter reset); gauges are summed (connections, requests in flight)
 * unless `gauges` says otherwise (a server is up only when every worker has it up). A worker that does not answer a
 * scrape counts with its last answer.
 */
export class WorkerMetrics {
  private readonly skip: ReadonlySet<string>;
  private readonly gauges: Readonly<Record<string, GaugeMerge>>;
  private readonly last = new Map<string, Exposition>();
  /** retired are the summed counters and histograms of workers that exited. */
  private readonly retired: Exposition = new Map();

  constructor(skip: ReadonlySet<string> = new Set(), gauges: Readonly<Record<string, GaugeMerge>> = {}) {
    this.skip = skip;
    this.gauges = gauges;
  }

  /** update records a worker's answer to a scrape. */
  update(worker: string, text: string): void {
    this.last.set(worker, parseExposition(text, this.skip));
  }

  /** retire moves an exited worker's counters and histograms into the totals kept for the workers that are gone. */
  retire(worker: string): void {
    const gone = this.last.get(worker);
    this.last.delete(worker);
    if (!gone) return;
    for (const [name, f] of gone) {
      if (f.type !== 'counter' && f.type !== 'histogram') continue;
      let r = this.retired.get(name);
      if (!r) this.retired.set(name, (r = { head: f.head, type: f.type, series: new Map() }));
      for (const [k, v] of f.series) r.series.set(k, (r.series.get(k) ?? 0) + v);
    }
  }

  /** render is the merged exposition of the workers `alive` (by the last answer of each), plus the retired totals. */
  render(alive: Iterable<string>): string {
    const merged: Exposition = new Map();
    const add = (name: string, f: Family) => {
      let m = merged.get(name);
      if (!m) merged.set(name, (m = { head: f.head, type: f.type, series: new Map() }));
      const how: GaugeMerge = f.type === 'gauge' ? (this.gauges[name] ?? 'sum') : 'sum';
      for (const [k, v] of f.series) {
        const cur = m.series.get(k);
        m.series.set(k, cur === undefined ? v : how === 'min' ? Math.min(cur, v) : how === 'max' ? Math.max(cur, v) : cur + v);
      }
    };
    for (const w of alive) for (const [name, f] of this.last.get(w) ?? []) add(name, f);
    for (const [name, f] of this.retired) add(name, f);
    let out = '';
    for (const f of merged.values()) {
      out += `${f.head.join('\n')}\n`;
      for (const [k, v] of f.series) out += `${k} ${formatValue(v)}\n`;
    }
    return out;
  }
}

/**
 * mergeMetrics joins the Prometheus texts of several workers into one exposition, each series once (see WorkerMetrics);
 * families in `skip` are left out (the primary reports them).
 */
export function mergeMetrics(texts: { worker: string; text: string }[], skip: ReadonlySet<string> = new Set(), gauges: Readonly<Record<string, GaugeMerge>> = {}): string {
  const m = new WorkerMetrics(skip, gauges);
  for (const { worker, text } of texts) m.update(worker, text);
  return m.render(texts.map((t) => t.worker));
}
