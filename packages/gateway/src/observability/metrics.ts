/** Metric is anything the registry can render in the Prometheus text format. */
export interface Metric {
  /** render returns the metric's HELP, TYPE and sample lines. */
  render(): string;
}

function escape(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(names: readonly string[], values: readonly string[], extra = ''): string {
  const parts = names.map((n, i) => `${n}="${escape(values[i] ?? '')}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** CounterChild is one labelled series of a counter. */
export interface CounterChild {
  /** value is the current count. */
  value: number;
}

/** Counter is a monotonically increasing Prometheus counter with labels; hot paths keep the child and add to `value`. */
export class Counter implements Metric {
  private readonly children = new Map<string, { values: string[]; child: CounterChild }>();
  private readonly name: string;
  private readonly help: string;
  private readonly labels: readonly string[];

  constructor(name: string, help: string, labels: readonly string[] = []) {
    this.name = name;
    this.help = help;
    this.labels = labels;
  }

  /** child returns the series for these label values, creating it at zero. */
  child(...values: string[]): CounterChild {
    const key = values.join('\u0000');
    let c = this.children.get(key);
    if (!c) this.children.set(key, (c = { values, child: { value: 0 } }));
    return c.child;
  }

  /** inc adds to the series for these label values. */
  inc(values: string[] = [], n = 1): void {
    this.child(...values).value += n;
  }

  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const { values, child } of this.children.values()) out += `${this.name}${labelText(this.labels, values)} ${child.value}\n`;
    return out;
  }
}

/** Gauge is a Prometheus gauge whose samples are collected when scraped. */
export class Gauge implements Metric {
  private readonly name: string;
  private readonly help: string;
  private readonly labels: readonly string[];
  private readonly collect: () => Iterable<[string[], number]>;
  /** type is the family's TYPE: a gauge, or a counter whose running totals are read at scrape time (CollectedCounter). */
  protected readonly type: 'gauge' | 'counter' = 'gauge';

  constructor(name: string, help: string, labels: readonly string[], collect: () => Iterable<[string[], number]>) {
    this.name = name;
    this.help = help;
    this.labels = labels;
    this.collect = collect;
  }

  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n`;
    for (const [values, v] of this.collect()) out += `${this.name}${labelText(this.labels, values)} ${v}\n`;
    return out;
  }
}

/**
 * CollectedCounter is a Prometheus counter whose values are running totals kept elsewhere (a server's request count)
 * and read when scraped; its name ends in `_total`. A total that restarts from zero (its server was replaced) is a
 * counter reset, which `rate()` handles.
 */
export class CollectedCounter extends Gauge {
  protected override readonly type = 'counter';
}

/** HistogramChild is one labelled series of a histogram. */
export class HistogramChild {
  /** counts holds one (non-cumulative) count per bucket plus +Inf. */
  readonly counts: Float64Array;
  /** sum is the sum of observed values. */
  sum = 0;
  /** count is the number of observations. */
  count = 0;
  private readonly bounds: readonly number[];

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** observe records one value (in seconds). */
  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    this.counts[i]!++;
    this.sum += v;
    this.count++;
  }
}

/** DEFAULT_BUCKETS are latency buckets in seconds from 1 ms to 30 s. */
export const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Histogram is a Prometheus histogram with labels. */
export class Histogram implements Metric {
  private readonly children = new Map<string, { values: string[]; child: HistogramChild }>();
  private readonly name: string;
  private readonly help: string;
  private readonly labels: readonly string[];
  private readonly bounds: readonly number[];

  constructor(name: string, help: string, labels: readonly string[] = [], bounds: readonly number[] = DEFAULT_BUCKETS) {
    this.name = name;
    this.help = help;
    this.labels = labels;
    this.bounds = bounds;
  }

  /** child returns the series for these label values. */
  child(...values: string[]): HistogramChild {
    const key = values.join('\u0000');
    let c = this.children.get(key);
    if (!c) this.children.set(key, (c = { values, child: new HistogramChild(this.bounds) }));
    return c.child;
  }

  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const { values, child } of this.children.values()) {
      let cum = 0;
      this.bounds.forEach((b, i) => {
        cum += child.counts[i]!;
        out += `${this.name}_bucket${labelText(this.labels, values, `le="${b}"`)} ${cum}\n`;
      });
      cum += child.counts[this.bounds.length]!;
      out += `${this.name}_bucket${labelText(this.labels, values, 'le="+Inf"')} ${cum}\n`;
      out += `${this.name}_sum${labelText(this.labels, values)} ${child.sum}\n`;
      out += `${this.name}_count${labelText(this.labels, values)} ${child.count}\n`;
    }
    return out;
  }
}

/** Registry holds metrics and renders them for `/metrics`. */
export class Registry {
  private readonly metrics: Metric[] = [];

  /** add registers a metric and returns it. */
  add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }

  /** render returns every metric in the Prometheus text format (version 0.0.4). */
  render(): string {
    return this.metrics.map((m) => m.render()).join('');
  }
}
