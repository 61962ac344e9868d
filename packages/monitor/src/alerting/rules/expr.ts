import { AppError, didYouMean, editDistance } from '@etcd-monitor/core';
import { FINDING_CODES, KNOWN_SERIES } from './series.ts';

/** LabelMatcher selects members (or clusters) by label: `member="m1"`, `member=~"m[12]"`, `!=`, `!~`. */
export interface LabelMatcher {
  /** name is the label: `member` or `cluster`. */
  name: string;
  /** op is the comparison. */
  op: '=' | '!=' | '=~' | '!~';
  /** value is the literal or the (fully anchored) regular expression. */
  value: string;
}

/** Expr is a parsed rule expression; `pos` is the 1-based column where the node starts. */
export type Expr =
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'duration'; ms: number; pos: number }
  | { kind: 'selector'; series: string; matchers: LabelMatcher[]; rangeMs?: number; pos: number }
  | { kind: 'call'; fn: string; args: Expr[]; pos: number }
  | { kind: 'binary'; op: BinaryOp; lhs: Expr; rhs: Expr; pos: number }
  | { kind: 'neg'; expr: Expr; pos: number };

/** BinaryOp is an arithmetic, comparison or set operator. */
export type BinaryOp = '+' | '-' | '*' | '/' | '==' | '!=' | '>' | '>=' | '<' | '<=' | 'and' | 'or' | 'unless';

/** COMPARISONS are the filtering operators: a member stays in the result only where the comparison holds. */
export const COMPARISONS: ReadonlySet<BinaryOp> = new Set(['==', '!=', '>', '>=', '<', '<=']);

/** RANGE_FUNCTIONS take a range selector `series[window]` and read stored history. */
export const RANGE_FUNCTIONS: ReadonlySet<string> = new Set([
  'rate',
  'increase',
  'delta',
  'avg_over_time',
  'max_over_time',
  'min_over_time',
  'last_over_time',
  'sum_over_time',
  'count_over_time',
  'quantile_over_time',
  'predict_linear',
  'absent',
  'stale',
]);

/** AGGREGATIONS fold every member into one cluster-level value. */
export const AGGREGATIONS: ReadonlySet<string> = new Set(['sum', 'avg', 'min', 'max', 'count']);

const FUNCTIONS = [...RANGE_FUNCTIONS, ...AGGREGATIONS, 'finding', 'abs'];
const SELECTOR_LABELS = ['member', 'cluster'];

type Tok =
  | { t: 'num'; v: number; pos: number }
  | { t: 'dur'; ms: number; pos: number }
  | { t: 'str'; v: string; pos: number }
  | { t: 'id'; v: string; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'eof'; pos: number };

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** parseExpr parses a rule expression once; a malformed or unknown part throws MON_RULE_EXPR naming the field and the column. */
export function parseExpr(text: string, field = 'expr'): Expr {
  const p = new Parser(text, field);
  const e = p.parseOr();
  p.expectEnd();
  checkPlacement(e, undefined, p);
  if (isConstant(e)) throw p.fail(1, 'the expression selects no series, so it is either always or never true', 'compare a series, such as `wal_fsync_p99_seconds > 0.5`');
  return e;
}

// Range selectors, strings and durations only mean something as a function's argument.
function checkPlacement(e: Expr, parentFn: string | undefined, p: { fail(pos: number, m: string, h?: string): AppError }): void {
  if (e.kind === 'selector' && e.rangeMs !== undefined && !(parentFn && RANGE_FUNCTIONS.has(parentFn))) {
    throw p.fail(e.pos, `the range selector ${e.series}[…] needs a function`, `wrap it, such as avg_over_time(${e.series}[${formatRange(e.rangeMs)}])`);
  }
  if ((e.kind === 'string' || e.kind === 'duration') && !parentFn) throw p.fail(e.pos, `a ${e.kind} is only allowed as a function argument`);
  if (e.kind === 'call') for (const a of e.args) checkPlacement(a, e.fn, p);
  if (e.kind === 'binary') {
    checkPlacement(e.lhs, undefined, p);
    checkPlacement(e.rhs, undefined, p);
  }
  if (e.kind === 'neg') checkPlacement(e.expr, undefined, p);
}

/** isConstant tells whether an expression reads no data. */
export function isConstant(e: Expr): boolean {
  switch (e.kind) {
    case 'number':
    case 'string':
    case 'duration':
      return true;
    case 'neg':
      return isConstant(e.expr);
    case 'binary':
      return isConstant(e.lhs) && isConstant(e.rhs);
    default:
      return false;
  }
}

/** formatExpr renders an expression back to text, normalised (used by the API and the docs). */
export function formatExpr(e: Expr): string {
  switch (e.kind) {
    case 'number':
      return String(e.value);
    case 'string':
      return JSON.stringify(e.value);
    case 'duration':
      return formatRange(e.ms);
    case 'selector': {
      const m = e.matchers.length ? `{${e.matchers.map((x) => `${x.name}${x.op}${JSON.stringify(x.value)}`).join(', ')}}` : '';
      return `${e.series}${m}${e.rangeMs !== undefined ? `[${formatRange(e.rangeMs)}]` : ''}`;
    }
    case 'call':
      return `${e.fn}(${e.args.map(formatExpr).join(', ')})`;
    case 'neg':
      return `-${formatExpr(e.expr)}`;
    case 'binary': {
      const side = (x: Expr) => (x.kind === 'binary' && precedence(x.op) < precedence(e.op) ? `(${formatExpr(x)})` : formatExpr(x));
      return `${side(e.lhs)} ${e.op} ${side(e.rhs)}`;
    }
  }
}

function formatRange(ms: number): string {
  for (const [u, n] of [
    ['w', 604_800_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % n === 0) return `${ms / n}${u}`;
  return `${ms}ms`;
}

function precedence(op: BinaryOp): number {
  if (op === 'or') return 1;
  if (op === 'and' || op === 'unless') return 2;
  if (COMPARISONS.has(op)) return 3;
  if (op === '+' || op === '-') return 4;
  return 5;
}

class Parser {
  private readonly toks: Tok[];
  private i = 0;
  private readonly text: string;
  private readonly field: string;

  constructor(text: string, field: string) {
    this.text = text;
    this.field = field;
    this.toks = this.lex();
  }

  fail(pos: number, message: string, hint?: string): AppError {
    return new AppError('MON_RULE_EXPR', `${this.field}: ${message} at column ${pos} of "${this.text}"`, { field: this.field, ...(hint ? { hint } : {}) });
  }

  private lex(): Tok[] {
    const s = this.text;
    const out: Tok[] = [];
    let i = 0;
    while (i < s.length) {
      const c = s[i]!;
      const pos = i + 1;
      if (/\s/.test(c)) {
        i++;
        continue;
      }
      if (/[0-9.]/.test(c)) {
        const m = /^(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?/i.exec(s.slice(i))!;
        if (!m[0] || m[0] === '.') throw this.fail(pos, `unexpected "${c}"`);
        const rest = s.slice(i + m[0].length);
        const unit = /^(ms|s|m|h|d|w)(?![a-z_])/.exec(rest);
        if (unit && /^\d+$/.test(m[0])) {
          // Durations may chain units (1h30m), as in the config's durations.
          let ms = 0;
          const re = /(\d+)(ms|s|m|h|d|w)/y;
          re.lastIndex = i;
          let end = i;
          for (let mm = re.exec(s); mm; mm = re.exec(s)) {
            ms += Number(mm[1]) * DURATION_MS[mm[2]!]!;
            end = re.lastIndex;
          }
          if (/[a-z_]/i.test(s[end] ?? '')) throw this.fail(end + 1, `"${s.slice(i, end + 1)}" is not a duration`, 'use a number with a unit: 30s, 5m, 1h');
          out.push({ t: 'dur', ms, pos });
          i = end;
          continue;
        }
        if (/^[a-z_]/i.test(rest)) throw this.fail(pos + m[0].length, `unknown unit "${/^[a-z_]+/i.exec(rest)![0]}" after ${m[0]}`, 'durations use ms, s, m, h, d or w');
        out.push({ t: 'num', v: Number(m[0]), pos });
        i += m[0].length;
        continue;
      }
      if (/[a-z_]/i.test(c)) {
        const m = /^[a-z_][a-z0-9_]*/i.exec(s.slice(i))!;
        out.push({ t: 'id', v: m[0], pos });
        i += m[0].length;
        continue;
      }
      if (c === '"' || c === "'") {
        let j = i + 1;
        let v = '';
        while (j < s.length && s[j] !== c) {
          if (s[j] === '\\' && j + 1 < s.length) {
            v += s[j + 1];
            j += 2;
          } else v += s[j++];
        }
        if (j >= s.length) throw this.fail(pos, 'unterminated string');
        out.push({ t: 'str', v, pos });
        i = j + 1;
        continue;
      }
      const two = s.slice(i, i + 2);
      if (['==', '!=', '>=', '<=', '=~', '!~'].includes(two)) {
        out.push({ t: 'op', v: two, pos });
        i += 2;
        continue;
      }
      if ('+-*/><(){}[],='.includes(c)) {
        out.push({ t: 'op', v: c, pos });
        i++;
        continue;
      }
      throw this.fail(pos, `unexpected character "${c}"`);
    }
    out.push({ t: 'eof', pos: s.length + 1 });
    return out;
  }

  private peek(): Tok {
    return this.toks[this.i]!;
  }

  private next(): Tok {
    return this.toks[this.i++]!;
  }

  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }

  private isWord(v: string): boolean {
    const t = this.peek();
    return t.t === 'id' && t.v === v;
  }

  private expectOp(v: string): Tok {
    const t = this.peek();
    if (t.t !== 'op' || t.v !== v) throw this.fail(t.pos, `expected "${v}", found ${describe(t)}`);
    return this.next();
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.t !== 'eof') throw this.fail(t.pos, `unexpected ${describe(t)}`, 'join conditions with and / or, and close every parenthesis');
  }

  parseOr(): Expr {
    let lhs = this.parseAnd();
    while (this.isWord('or')) {
      const pos = this.next().pos;
      lhs = { kind: 'binary', op: 'or', lhs, rhs: this.parseAnd(), pos };
    }
    return lhs;
  }

  private parseAnd(): Expr {
    let lhs = this.parseCmp();
    while (this.isWord('and') || this.isWord('unless')) {
      const t = this.next() as { v: string; pos: number };
      lhs = { kind: 'binary', op: t.v as BinaryOp, lhs, rhs: this.parseCmp(), pos: t.pos };
    }
    return lhs;
  }

  private parseCmp(): Expr {
    let lhs = this.parseAdd();
    for (;;) {
      const t = this.peek();
      if (t.t !== 'op' || !COMPARISONS.has(t.v as BinaryOp)) return lhs;
      this.next();
      lhs = { kind: 'binary', op: t.v as BinaryOp, lhs, rhs: this.parseAdd(), pos: t.pos };
    }
  }

  private parseAdd(): Expr {
    let lhs = this.parseMul();
    while (this.isOp('+') || this.isOp('-')) {
      const t = this.next() as { v: string; pos: number };
      lhs = { kind: 'binary', op: t.v as BinaryOp, lhs, rhs: this.parseMul(), pos: t.pos };
    }
    return lhs;
  }

  private parseMul(): Expr {
    let lhs = this.parseUnary();
    while (this.isOp('*') || this.isOp('/')) {
      const t = this.next() as { v: string; pos: number };
      lhs = { kind: 'binary', op: t.v as BinaryOp, lhs, rhs: this.parseUnary(), pos: t.pos };
    }
    return lhs;
  }

  private parseUnary(): Expr {
    if (this.isOp('-')) {
      const pos = this.next().pos;
      return { kind: 'neg', expr: this.parseUnary(), pos };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const t = this.next();
    switch (t.t) {
      case 'num':
        return { kind: 'number', value: t.v, pos: t.pos };
      case 'dur':
        return { kind: 'duration', ms: t.ms, pos: t.pos };
      case 'str':
        return { kind: 'string', value: t.v, pos: t.pos };
      case 'op':
        if (t.v === '(') {
          const e = this.parseOr();
          this.expectOp(')');
          return e;
        }
        throw this.fail(t.pos, `unexpected "${t.v}"`, 'an operand (a series, a number or a function call) is missing');
      case 'eof':
        throw this.fail(t.pos, 'unexpected end of expression', 'an operand is missing');
      case 'id':
        if (this.isOp('(')) return this.parseCall(t.v, t.pos);
        if (['and', 'or', 'unless'].includes(t.v)) throw this.fail(t.pos, `"${t.v}" needs an expression on its left`);
        return this.parseSelector(t.v, t.pos);
    }
  }

  private parseSelector(series: string, pos: number): Expr {
    if (!KNOWN_SERIES.has(series)) {
      const hint = FUNCTIONS.includes(series) ? `${series} is a function: write ${series}(…)` : suggestSeries(series);
      throw this.fail(pos, `unknown series "${series}"`, hint);
    }
    const matchers: LabelMatcher[] = [];
    if (this.isOp('{')) {
      this.next();
      while (!this.isOp('}')) {
        const name = this.next();
        if (name.t !== 'id') throw this.fail(name.pos, `expected a label name, found ${describe(name)}`);
        if (!SELECTOR_LABELS.includes(name.v)) throw this.fail(name.pos, `unknown label "${name.v}"`, didYouMean(name.v, SELECTOR_LABELS));
        const op = this.next();
        if (op.t !== 'op' || !['=', '!=', '=~', '!~'].includes(op.v)) throw this.fail(op.pos, `expected =, !=, =~ or !~, found ${describe(op)}`);
        const value = this.next();
        if (value.t !== 'str') throw this.fail(value.pos, `expected a quoted label value, found ${describe(value)}`);
        if (op.v === '=~' || op.v === '!~') {
          try {
            new RegExp(value.v);
          } catch (err) {
            throw this.fail(value.pos, `bad regular expression: ${(err as Error).message}`);
          }
        }
        matchers.push({ name: name.v, op: op.v as LabelMatcher['op'], value: value.v });
        if (this.isOp(',')) this.next();
        else if (!this.isOp('}')) throw this.fail(this.peek().pos, `expected "," or "}", found ${describe(this.peek())}`);
      }
      this.next();
    }
    if (this.isOp('[')) {
      this.next();
      const d = this.next();
      if (d.t !== 'dur' || d.ms <= 0) throw this.fail(d.pos, `expected a window such as 5m, found ${describe(d)}`);
      this.expectOp(']');
      return { kind: 'selector', series, matchers, rangeMs: d.ms, pos };
    }
    return { kind: 'selector', series, matchers, pos };
  }

  private parseCall(fn: string, pos: number): Expr {
    if (!FUNCTIONS.includes(fn)) throw this.fail(pos, `unknown function "${fn}"`, didYouMean(fn, FUNCTIONS));
    this.expectOp('(');
    const args: Expr[] = [];
    while (!this.isOp(')')) {
      args.push(this.parseOr());
      if (this.isOp(',')) this.next();
      else if (!this.isOp(')')) throw this.fail(this.peek().pos, `expected "," or ")", found ${describe(this.peek())}`);
    }
    this.next();
    this.checkCall(fn, args, pos);
    return { kind: 'call', fn, args, pos };
  }

  private checkCall(fn: string, args: Expr[], pos: number): void {
    const arity = (n: number, shape: string) => {
      if (args.length !== n) throw this.fail(pos, `${fn} takes ${n} argument${n > 1 ? 's' : ''}, got ${args.length}`, `write ${shape}`);
    };
    const range = (a: Expr | undefined, shape: string) => {
      if (!a || a.kind !== 'selector' || a.rangeMs === undefined) throw this.fail(a?.pos ?? pos, `${fn} needs a range selector`, `write ${shape}`);
    };
    if (fn === 'finding') {
      arity(1, 'finding("split_brain")');
      const a = args[0]!;
      if (a.kind !== 'string') throw this.fail(a.pos, 'finding takes a quoted finding code', 'write finding("split_brain")');
      if (!FINDING_CODES.includes(a.value)) throw this.fail(a.pos, `unknown finding "${a.value}"`, didYouMean(a.value, FINDING_CODES));
    } else if (fn === 'quantile_over_time') {
      arity(2, 'quantile_over_time(0.99, series[5m])');
      const q = args[0]!;
      if (q.kind !== 'number' || q.value < 0 || q.value > 1) throw this.fail(q.pos, 'the quantile must be a number between 0 and 1');
      range(args[1], 'quantile_over_time(0.99, series[5m])');
    } else if (fn === 'predict_linear') {
      arity(2, 'predict_linear(series[1h], 4h)');
      range(args[0], 'predict_linear(series[1h], 4h)');
      const h = args[1]!;
      if (h.kind !== 'duration' && h.kind !== 'number') throw this.fail(h.pos, 'predict_linear needs how far ahead, such as 4h', 'write predict_linear(series[1h], 4h)');
    } else if (fn === 'absent' || fn === 'stale') {
      arity(1, `${fn}(series[2m])`);
      if (args[0]!.kind !== 'selector') throw this.fail(args[0]!.pos, `${fn} takes a series`, `write ${fn}(series[2m])`);
    } else if (RANGE_FUNCTIONS.has(fn)) {
      arity(1, `${fn}(series[5m])`);
      range(args[0], `${fn}(series[5m])`);
    } else {
      arity(1, `${fn}(series)`);
      if (isConstant(args[0]!)) throw this.fail(args[0]!.pos, `${fn} needs series, not a constant`);
    }
    for (const a of args)
      if (a.kind === 'selector' && a.rangeMs !== undefined && !RANGE_FUNCTIONS.has(fn))
        throw this.fail(a.pos, `${fn} does not take a range selector`, `drop the [window], or wrap it: ${fn}(avg_over_time(${a.series}[…]))`);
  }
}

function describe(t: Tok): string {
  switch (t.t) {
    case 'eof':
      return 'the end';
    case 'num':
      return String(t.v);
    case 'dur':
      return 'a duration';
    case 'str':
      return JSON.stringify(t.v);
    default:
      return `"${t.v}"`;
  }
}

/**
 * suggestSeries finds the series a user probably meant: a typo (edit distance), else a name holding every word typed,
 * since series names get long (`wal_fsync_p99` → `wal_fsync_p99_seconds`, `fd_ratio` → `fd_used_ratio`).
 */
export function suggestSeries(name: string): string | undefined {
  const typo = didYouMean(name, KNOWN_SERIES);
  if (typo?.startsWith('did you mean')) return typo;
  const words = name.toLowerCase().split('_').filter(Boolean);
  const holding = [...KNOWN_SERIES].filter((s) => words.every((w) => s.split('_').includes(w) || s.includes(w)));
  holding.sort((a, b) => editDistance(name, a) - editDistance(name, b));
  if (holding.length) return `did you mean "${holding[0]}"?`;
  return typo;
}
