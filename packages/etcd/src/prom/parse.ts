import { AppError } from '@etcd-monitor/core';

/** MetricType is the kind a family declares in its TYPE line; a family without one is untyped. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

/** Labels maps label names to their unescaped values. */
export type Labels = Record<string, string>;

/** Sample is one sample line: a series (name and labels) and its value. */
export interface Sample {
  /** name is the sample's own metric name, including any `_bucket`, `_sum` or `_count` suffix. */
  name: string;
  /** labels holds the series' labels, `le` and `quantile` included, with escapes resolved. */
  labels: Labels;
  /** value is the sample value; NaN, +Inf and -Inf are kept as the JavaScript numbers. */
  value: number;
  /** timestamp is the optional trailing timestamp in milliseconds since the epoch. */
  timestamp: number | undefined;
}

/** MetricFamily is one metric with its HELP, its TYPE and every sample that belongs to it. */
export interface MetricFamily {
  /** name is the family name, without histogram or summary suffixes. */
  name: string;
  /** type is the declared TYPE, or `untyped` when there was no TYPE line. */
  type: MetricType;
  /** help is the HELP text with `\\` and `\n` unescaped, or '' when there was none. */
  help: string;
  /** samples lists the family's samples in input order; a histogram's `_bucket`, `_sum` and `_count` lines are here too. */
  samples: Sample[];
}

/** MetricSet is one parsed exposition: families by name, in the order they first appear. */
export interface MetricSet {
  /** families maps each family name to its family. */
  families: Map<string, MetricFamily>;
}

const HINT = 'the text must be Prometheus text exposition format 0.0.4, as served on etcd /metrics';
const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

const SPACE = 32;
const TAB = 9;
const CR = 13;
const HASH = 35;
const QUOTE = 34;
const BACKSLASH = 92;
const EQUALS = 61;
const COMMA = 44;
const LBRACE = 123;
const RBRACE = 125;

/** parsePrometheusText parses a Prometheus text-format (0.0.4) exposition, throwing ETCD_PROM_PARSE with the line number on malformed input. */
export function parsePrometheusText(text: string): MetricSet {
  return new Parser(text).run();
}

/**
 * unslice returns s as a string of its own. The parser's names and label values are slices of the exposition text,
 * and V8 keeps a whole text alive while any slice of 13 characters or more of it lives: a caller that keeps a few
 * names or label values for long (the previous scrape, a peer id) keeps the whole text otherwise.
 */
export function unslice(s: string): string {
  // Flattening the concatenation copies the characters; the slice then refers to that copy only.
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/**
 * unsliceSamples returns copies of samples whose names and label values are strings of their own (see unslice), one
 * copy per distinct string (a histogram's buckets share their name), kept in `copies` across calls.
 */
export function unsliceSamples(samples: readonly Sample[], copies = new Map<string, string>()): Sample[] {
  const own = (x: string) => {
    let c = copies.get(x);
    if (c === undefined) copies.set(x, (c = unslice(x)));
    return c;
  };
  return samples.map((x) => {
    const labels: Labels = {};
    for (const k in x.labels) labels[own(k)] = own(x.labels[k]!);
    return { name: own(x.name), labels, value: x.value, timestamp: x.timestamp };
  });
}

/** parseFloatToken reads a sample value or an `le`/`quantile` label the way Go's ParseFloat does for exposition output; undefined when it is not a number. */
export function parseFloatToken(s: string): number | undefined {
  const n = s.length;
  if (n === 0) return undefined;
  // Number() alone would accept hex, binary, "Infinity" and surrounding spaces; only let it see decimal syntax.
  let decimal = true;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(k);
    if (!((c >= 48 && c <= 57) || c === 46 || c === 43 || c === 45 || c === 101 || c === 69)) {
      decimal = false;
      break;
    }
  }
  if (decimal) {
    const v = Number(s);
    return Number.isNaN(v) ? undefined : v;
  }
  switch (s.toLowerCase()) {
    case 'nan':
      return NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    default:
      return undefined;
  }
}

// One pass over the text with charCodeAt and slice: no split into lines, no regular expressions,
// so a 150 KB dump costs one walk over its characters plus one object per sample.
class Parser {
  private readonly text: string;
  private readonly families = new Map<string, MetricFamily>();
  private readonly typed = new Set<string>();
  private readonly helped = new Set<string>();
  private line = 0;
  // Consecutive samples nearly always share a name, so the family lookup is cached for the last one.
  private lastName = '';
  private lastFamily: MetricFamily | undefined;
  private lastNeeds: 'le' | 'quantile' | undefined;

  constructor(text: string) {
    this.text = text;
  }

  run(): MetricSet {
    const t = this.text;
    const len = t.length;
    let pos = 0;
    while (pos < len) {
      this.line++;
      let end = t.indexOf('\n', pos);
      const next = end === -1 ? len : end + 1;
      if (end === -1) end = len;
      if (end > pos && t.charCodeAt(end - 1) === CR) end--;
      const i = skipBlanks(t, pos, end);
      if (i < end) {
        if (t.charCodeAt(i) === HASH) this.comment(i + 1, end);
        else this.sample(i, end);
      }
      pos = next;
    }
    return { families: this.families };
  }

  private fail(message: string): AppError {
    return new AppError('ETCD_PROM_PARSE', `line ${this.line}: ${message}`, { hint: HINT });
  }

  private family(name: string): MetricFamily {
    let fam = this.families.get(name);
    if (fam === undefined) {
      fam = { name, type: 'untyped', help: '', samples: [] };
      this.families.set(name, fam);
    }
    return fam;
  }

  private comment(i: number, end: number): void {
    const t = this.text;
    i = skipBlanks(t, i, end);
    let keyword: 'HELP' | 'TYPE';
    if (t.startsWith('HELP', i)) keyword = 'HELP';
    else if (t.startsWith('TYPE', i)) keyword = 'TYPE';
    else return;
    i += 4;
    if (i < end && !isBlank(t.charCodeAt(i))) return; // "# HELPER ..." is an ordinary comment
    i = skipBlanks(t, i, end);
    const nameEnd = scanMetricName(t, i, end);
    if (nameEnd === i || (nameEnd < end && !isBlank(t.charCodeAt(nameEnd)))) {
      throw this.fail(`${keyword} line needs a valid metric name, found ${quote(t.slice(i, Math.min(end, i + 40)))}`);
    }
    const name = t.slice(i, nameEnd);
    i = skipBlanks(t, nameEnd, end);
    let restEnd = end;
    while (restEnd > i && isBlank(t.charCodeAt(restEnd - 1))) restEnd--;
    const rest = t.slice(i, restEnd);

    if (keyword === 'TYPE') {
      if (!TYPES.has(rest)) throw this.fail(`invalid TYPE ${quote(rest)} for ${name}; want counter, gauge, histogram, summary or untyped`);
      if (this.typed.has(name)) throw this.fail(`second TYPE line for ${name}`);
      // Samples already fixed the family as untyped; Prometheus rejects a late TYPE the same way.
      const existing = this.families.get(name);
      if (existing !== undefined && existing.samples.length > 0) throw this.fail(`TYPE line for ${name} comes after its samples`);
      this.family(name).type = rest as MetricType;
      this.typed.add(name);
      this.lastName = '';
      return;
    }
    if (this.helped.has(name)) throw this.fail(`second HELP line for ${name}`);
    this.family(name).help = rest.includes('\\') ? unescapeHelp(rest) : rest;
    this.helped.add(name);
  }

  private sample(i: number, end: number): void {
    const t = this.text;
    const nameEnd = scanMetricName(t, i, end);
    if (nameEnd === i) throw this.fail(`expected a metric name, found ${quote(t.slice(i, Math.min(end, i + 40)))}`);
    const name = t.slice(i, nameEnd);
    if (nameEnd < end) {
      const c = t.charCodeAt(nameEnd);
      if (c !== LBRACE && !isBlank(c)) throw this.fail(`invalid character ${quote(t[nameEnd]!)} in metric name ${name}`);
    }
    i = skipBlanks(t, nameEnd, end);
    const labels: Labels = {};
    if (i < end && t.charCodeAt(i) === LBRACE) i = skipBlanks(t, this.labels(i + 1, end, name, labels), end);
    if (i === end) throw this.fail(`missing value for ${name}`);

    let tokenEnd = i;
    while (tokenEnd < end && !isBlank(t.charCodeAt(tokenEnd))) tokenEnd++;
    const rawValue = t.slice(i, tokenEnd);
    const value = parseFloatToken(rawValue);
    if (value === undefined) throw this.fail(`invalid value ${quote(rawValue)} for ${name}; want a number, NaN, +Inf or -Inf`);

    let timestamp: number | undefined;
    i = skipBlanks(t, tokenEnd, end);
    if (i < end) {
      tokenEnd = i;
      while (tokenEnd < end && !isBlank(t.charCodeAt(tokenEnd))) tokenEnd++;
      const rawTs = t.slice(i, tokenEnd);
      if (!isInteger(rawTs)) throw this.fail(`invalid timestamp ${quote(rawTs)} for ${name}; want integer milliseconds`);
      timestamp = Number(rawTs);
      i = skipBlanks(t, tokenEnd, end);
      if (i < end) throw this.fail(`unexpected ${quote(t.slice(i, end))} after the timestamp of ${name}`);
    }

    if (name !== this.lastName) this.resolve(name);
    const needs = this.lastNeeds;
    if (needs !== undefined) {
      const bound = labels[needs];
      if (bound === undefined) throw this.fail(`${name} needs a ${needs} label`);
      if (parseFloatToken(bound) === undefined) throw this.fail(`${needs} label of ${name} is ${quote(bound)}; want a number`);
    }
    this.lastFamily!.samples.push({ name, labels, value, timestamp });
  }

  // resolve finds the family a sample name belongs to: its own, or the histogram/summary it is a
  // _bucket/_sum/_count line of; unknown names become untyped families, as Prometheus treats them.
  private resolve(name: string): void {
    let fam = this.families.get(name);
    let needs: 'le' | 'quantile' | undefined;
    if (fam !== undefined) {
      if (fam.type === 'histogram') throw this.fail(`sample ${name} of histogram ${name} needs a _bucket, _sum or _count suffix`);
      if (fam.type === 'summary') needs = 'quantile';
    } else {
      const base = histogramBase(name);
      const parent = base === undefined ? undefined : this.families.get(base);
      if (parent !== undefined && parent.type === 'histogram') {
        fam = parent;
        if (name.endsWith('_bucket')) needs = 'le';
      } else if (parent !== undefined && parent.type === 'summary' && !name.endsWith('_bucket')) {
        fam = parent;
      } else {
        fam = this.family(name);
      }
    }
    this.lastName = name;
    this.lastFamily = fam;
    this.lastNeeds = needs;
  }

  private labels(i: number, end: number, metric: string, labels: Labels): number {
    const t = this.text;
    for (;;) {
      i = skipBlanks(t, i, end);
      if (i >= end) throw this.fail(`unterminated label set of ${metric}; want "}"`);
      if (t.charCodeAt(i) === RBRACE) return i + 1;

      const nameEnd = scanLabelName(t, i, end);
      if (nameEnd === i) throw this.fail(`invalid label name at ${quote(t.slice(i, Math.min(end, i + 20)))} in ${metric}`);
      const label = t.slice(i, nameEnd);
      i = skipBlanks(t, nameEnd, end);
      if (i >= end || t.charCodeAt(i) !== EQUALS) throw this.fail(`expected "=" after label ${label} of ${metric}`);
      i = skipBlanks(t, i + 1, end);
      if (i >= end || t.charCodeAt(i) !== QUOTE) throw this.fail(`expected a quoted value for label ${label} of ${metric}`);
      i++;

      const start = i;
      let c = 0;
      while (i < end) {
        c = t.charCodeAt(i);
        if (c === QUOTE || c === BACKSLASH) break;
        i++;
      }
      let value: string;
      if (i < end && c === QUOTE) {
        value = t.slice(start, i);
      } else {
        // Escapes are rare, so only values that have them pay for building the string piecewise.
        let out = t.slice(start, i);
        for (;;) {
          if (i >= end) throw this.fail(`unterminated value of label ${label} of ${metric}`);
          c = t.charCodeAt(i);
          if (c === QUOTE) break;
          if (c === BACKSLASH) {
            const e = i + 1 < end ? t.charCodeAt(i + 1) : -1;
            if (e === BACKSLASH) out += '\\';
            else if (e === QUOTE) out += '"';
            else if (e === 110) out += '\n';
            else throw this.fail(`invalid escape ${quote(t.slice(i, i + 2))} in label ${label} of ${metric}; want \\\\, \\" or \\n`);
            i += 2;
          } else {
            out += t[i];
            i++;
          }
        }
        value = out;
      }
      i++;

      if (Object.hasOwn(labels, label)) throw this.fail(`duplicate label ${label} in ${metric}`);
      if (label === '__proto__') Object.defineProperty(labels, label, { value, enumerable: true, writable: true, configurable: true });
      else labels[label] = value;

      i = skipBlanks(t, i, end);
      const sep = i < end ? t.charCodeAt(i) : -1;
      if (sep === RBRACE) return i + 1;
      if (sep === -1) throw this.fail(`unterminated label set of ${metric}; want "}"`);
      if (sep !== COMMA) throw this.fail(`expected "," or "}" after label ${label} of ${metric}`);
      i++;
    }
  }
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

function skipBlanks(t: string, i: number, end: number): number {
  while (i < end) {
    const c = t.charCodeAt(i);
    if (c !== SPACE && c !== TAB) break;
    i++;
  }
  return i;
}

// Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*
function scanMetricName(t: string, i: number, end: number): number {
  if (i >= end) return i;
  let c = t.charCodeAt(i);
  if (!(isLetter(c) || c === 95 || c === 58)) return i;
  i++;
  while (i < end) {
    c = t.charCodeAt(i);
    if (!(isLetter(c) || (c >= 48 && c <= 57) || c === 95 || c === 58)) break;
    i++;
  }
  return i;
}

// Label names: [a-zA-Z_][a-zA-Z0-9_]*
function scanLabelName(t: string, i: number, end: number): number {
  if (i >= end) return i;
  let c = t.charCodeAt(i);
  if (!(isLetter(c) || c === 95)) return i;
  i++;
  while (i < end) {
    c = t.charCodeAt(i);
    if (!(isLetter(c) || (c >= 48 && c <= 57) || c === 95)) break;
    i++;
  }
  return i;
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function isInteger(s: string): boolean {
  const n = s.length;
  let k = s.charCodeAt(0) === 45 ? 1 : 0;
  if (k === n) return false;
  for (; k < n; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function histogramBase(name: string): string | undefined {
  if (name.endsWith('_bucket')) return name.slice(0, -7);
  if (name.endsWith('_count')) return name.slice(0, -6);
  if (name.endsWith('_sum')) return name.slice(0, -4);
  return undefined;
}

// HELP text escapes only \\ and \n; any other backslash is kept as written.
function unescapeHelp(s: string): string {
  let out = '';
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    if (c === '\\' && k + 1 < s.length) {
      const e = s[k + 1];
      if (e === '\\' || e === 'n') {
        out += e === 'n' ? '\n' : '\\';
        k++;
        continue;
      }
    }
    out += c;
  }
  return out;
}

function quote(s: string): string {
  return JSON.stringify(s);
}
