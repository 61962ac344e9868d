import { AppError } from '../errors.ts';

/** Matcher tests one label, in Alertmanager's API v2 shape: `=` (isEqual, not isRegex), `!=`, `=~`, `!~`. */
export interface Matcher {
  /** name is the label name. */
  name: string;
  /** value is the literal, or the regular expression, anchored at both ends as in Alertmanager. */
  value: string;
  /** isRegex makes value a regular expression. */
  isRegex: boolean;
  /** isEqual is false for the negated forms `!=` and `!~`. */
  isEqual: boolean;
}

const LABEL_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const regexCache = new Map<string, RegExp>();

function anchored(value: string): RegExp {
  let re = regexCache.get(value);
  if (!re) {
    re = new RegExp(`^(?:${value})$`);
    regexCache.set(value, re);
  }
  return re;
}

/** matcherMatches tells whether a label set satisfies one matcher; a missing label reads as "", as in Alertmanager. */
export function matcherMatches(m: Matcher, labels: Record<string, string>): boolean {
  const v = labels[m.name] ?? '';
  const hit = m.isRegex ? anchored(m.value).test(v) : v === m.value;
  return hit === m.isEqual;
}

/** matchesAll tells whether a label set satisfies every matcher. */
export function matchesAll(ms: readonly Matcher[], labels: Record<string, string>): boolean {
  for (const m of ms) if (!matcherMatches(m, labels)) return false;
  return true;
}

/** formatMatcher renders a matcher as `name="value"`, `name!~"re"` … */
export function formatMatcher(m: Matcher): string {
  const op = m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=';
  return `${m.name}${op}${JSON.stringify(m.value)}`;
}

/**
 * parseMatcher reads a matcher from `name="value"` / `name=~"re"` text (quotes optional) or from the API's
 * `{name, value, isRegex, isEqual}` object; a bad one throws MON_MATCHER_INVALID naming `field`.
 */
export function parseMatcher(raw: unknown, field: string): Matcher {
  // The code stays the monitor's: matchers are an alerting concept and API clients already match on it.
  const bad = (message: string, hint?: string) => new AppError('MON_MATCHER_INVALID', `${field}: ${message}`, { field, ...(hint ? { hint } : {}) });
  let m: Matcher;
  if (typeof raw === 'string') {
    const x = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|(\S*))\s*$/.exec(raw);
    if (!x) throw bad(`"${raw}" is not a matcher`, 'write name="value", name!="value", name=~"regex" or name!~"regex"');
    const value = x[3] !== undefined ? (JSON.parse(`"${x[3]}"`) as string) : x[4]!;
    m = { name: x[1]!, value, isRegex: x[2]!.includes('~'), isEqual: !x[2]!.startsWith('!') };
  } else if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const o = raw as Record<string, unknown>;
    if (typeof o.name !== 'string') throw bad('name must be a string');
    if (typeof o.value !== 'string') throw bad('value must be a string');
    if (o.isRegex !== undefined && typeof o.isRegex !== 'boolean') throw bad('isRegex must be true or false');
    if (o.isEqual !== undefined && typeof o.isEqual !== 'boolean') throw bad('isEqual must be true or false');
    m = { name: o.name, value: o.value, isRegex: o.isRegex === true, isEqual: o.isEqual !== false };
  } else {
    throw bad('expected a matcher string or {name, value, isRegex, isEqual}');
  }
  if (!LABEL_RE.test(m.name)) throw bad(`"${m.name}" is not a label name`);
  if (m.isRegex) {
    try {
      anchored(m.value);
    } catch (err) {
      throw bad(`bad regular expression "${m.value}": ${(err as Error).message}`);
    }
  }
  return m;
}

/** parseMatchers reads a list of matchers, naming each bad one as `field[i]`. */
export function parseMatchers(raw: unknown, field: string): Matcher[] {
  if (raw === undefined) return [];
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list)) throw new AppError('MON_MATCHER_INVALID', `${field}: expected a list of matchers`, { field });
  return list.map((x, i) => parseMatcher(x, `${field}[${i}]`));
}
