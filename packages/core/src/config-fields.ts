import { errorMessage } from './errors.ts';
import { parseSize } from './units.ts';
import { parseDuration } from './parse/duration.ts';
import { didYouMean } from './suggest.ts';

/** FieldKind is how a config value is written in TOML and what it becomes once read. */
export type FieldKind = 'string' | 'integer' | 'number' | 'boolean' | 'duration' | 'size' | 'strings' | 'table';

/** FieldSpec describes one config key: its type, default, documentation and accepted spellings. */
export interface FieldSpec {
  /** kind is the value's type; durations become milliseconds and sizes bytes. */
  kind: FieldKind;
  /** doc is the one-sentence description printed in the configuration reference. */
  doc: string;
  /** default is the value used when the key is absent (in TOML spelling, such as "10s"). */
  default?: string | number | boolean | string[];
  /** required marks a key that must be present. */
  required?: boolean;
  /** aliases are other accepted names, such as pingap's own spelling. */
  aliases?: string[];
  /** oneOf restricts a string to these values. */
  oneOf?: string[];
  /** min is the smallest accepted number (for durations in milliseconds, for sizes in bytes). */
  min?: number;
  /** max is the largest accepted number (for durations in milliseconds, for sizes in bytes). */
  max?: number;
  /** maxLength caps the characters of a string, of each item of `strings`, and of each key and string value of a `table`. */
  maxLength?: number;
  /** maxItems caps the items of `strings` and the keys of a `table`. */
  maxItems?: number;
  /** strict refuses the lenient spellings: a bare number as a duration (read as seconds) and a bare string as `strings`. */
  strict?: boolean;
}

/** FieldValue is the type a field becomes once read: the `oneOf` values for a restricted string, milliseconds for durations, bytes for sizes. */
export type FieldValue<S extends FieldSpec> = S['kind'] extends 'string'
  ? S extends { oneOf: readonly (infer U extends string)[] }
    ? U
    : string
  : S['kind'] extends 'integer' | 'number' | 'duration' | 'size'
    ? number
    : S['kind'] extends 'boolean'
      ? boolean
      : S['kind'] extends 'strings'
        ? string[]
        : Record<string, unknown>;

type PresentKeys<F extends Record<string, FieldSpec>> = { [K in keyof F]: F[K] extends { default: unknown } | { required: true } ? K : never }[keyof F];

/** FieldValues is the object `readFields` returns for these specs: keys with a default or marked required are always present, the others optional. */
export type FieldValues<F extends Record<string, FieldSpec>> = Flat<{ [K in PresentKeys<F>]: FieldValue<F[K]> } & { [K in Exclude<keyof F, PresentKeys<F>>]?: FieldValue<F[K]> }>;

type Flat<T> = { [K in keyof T]: T[K] };

/**
 * FieldInput is the type a field accepts as written (a TOML value, a JSON body): durations and sizes as text with
 * their unit (or a bare number where not strict), lists as arrays (or one string where not strict), tables of strings.
 */
export type FieldInput<S extends FieldSpec> = S['kind'] extends 'string'
  ? S extends { oneOf: readonly (infer U extends string)[] }
    ? U
    : string
  : S['kind'] extends 'integer' | 'number'
    ? number
    : S['kind'] extends 'boolean'
      ? boolean
      : S['kind'] extends 'duration' | 'size'
        ? S extends { strict: true }
          ? string
          : string | number
        : S['kind'] extends 'strings'
          ? S extends { strict: true }
            ? string[]
            : string | string[]
          : Record<string, string>;

type RequiredKeys<F extends Record<string, FieldSpec>> = { [K in keyof F]: F[K] extends { required: true } ? K : never }[keyof F];

/** FieldInputs is what a table read against these specs may hold, as written: keys marked required must be there, the others may be left to their defaults. */
export type FieldInputs<F extends Record<string, FieldSpec>> = Flat<{ [K in RequiredKeys<F>]: FieldInput<F[K]> } & { [K in Exclude<keyof F, RequiredKeys<F>>]?: FieldInput<F[K]> }>;

/** ConfigIssue is one problem found in a config: the dotted key path, what is wrong, and how to fix it. */
export interface ConfigIssue {
  /** path is the dotted key, such as `locations.api_v1.upstream`. */
  path: string;
  /** message says what is wrong. */
  message: string;
  /** hint says how to fix it, such as a did-you-mean suggestion. */
  hint?: string;
}

/** formatIssue renders an issue as `path: message (hint)`. */
export function formatIssue(i: ConfigIssue): string {
  return `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`;
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a table';
  return `a ${typeof v}`;
}

function convert(spec: FieldSpec, v: unknown, path: string, issues: ConfigIssue[]): unknown {
  const bad = (expected: string, hint?: string) => {
    issues.push({ path, message: `expected ${expected}, got ${typeName(v)}${typeof v === 'string' ? ` "${v}"` : ''}`, ...(hint ? { hint } : {}) });
    return undefined;
  };
  switch (spec.kind) {
    case 'string': {
      if (typeof v !== 'string') return bad('a string');
      if (tooLong(spec, v, path, issues)) return undefined;
      if (spec.oneOf && !spec.oneOf.includes(v)) {
        issues.push({ path, message: `unknown value "${v}"`, hint: didYouMean(v, spec.oneOf) ?? '' });
        return undefined;
      }
      return v;
    }
    case 'boolean':
      return typeof v === 'boolean' ? v : bad('true or false');
    case 'integer':
    case 'number': {
      if (typeof v !== 'number' || (spec.kind === 'integer' && !Number.isInteger(v))) return bad(spec.kind === 'integer' ? 'an integer' : 'a number');
      if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
        issues.push({ path, message: `${v} is out of range`, hint: `use a value between ${spec.min ?? '-∞'} and ${spec.max ?? '∞'}` });
        return undefined;
      }
      return v;
    }
    case 'duration':
    case 'size': {
      if (typeof v !== 'string' && typeof v !== 'number') return bad(spec.kind === 'duration' ? 'a duration such as "10s"' : 'a size such as "1MiB"');
      if (spec.kind === 'duration' && spec.strict && (typeof v === 'number' || /^\s*\d+(\.\d+)?\s*$/.test(v))) {
        // A bare number is ambiguous (etcdctl reads seconds, others milliseconds): ask for the unit rather than guess.
        issues.push({
          path,
          message: `${typeof v === 'number' ? v : `"${v}"`} has no unit`,
          hint: `write a duration with its unit, such as "${String(v).trim()}s" or "${String(v).trim()}ms"`,
        });
        return undefined;
      }
      if (typeof v === 'string' && tooLong(spec, v, path, issues)) return undefined;
      let n: number;
      try {
        if (spec.kind === 'duration') n = typeof v === 'number' ? v * 1000 : parseDuration(v, path);
        else n = typeof v === 'number' ? v : parseSize(v, path);
      } catch (err) {
        issues.push({ path, message: errorMessage(err).replace(`${path}: `, '') });
        return undefined;
      }
      const fmt = (x: number) => (spec.kind === 'duration' ? boundText(x) : `${x} bytes`);
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        const below = spec.min !== undefined && n < spec.min;
        issues.push({
          path,
          message: `${typeof v === 'string' ? `"${v}"` : v} is ${below ? `below the minimum of ${fmt(spec.min!)}` : `above the maximum of ${fmt(spec.max!)}`}`,
          hint:
            spec.min !== undefined && spec.max !== undefined
              ? `use a value from ${fmt(spec.min)} to ${fmt(spec.max)}`
              : below
                ? `use at least ${fmt(spec.min!)}`
                : `use at most ${fmt(spec.max!)}`,
        });
        return undefined;
      }
      return n;
    }
    case 'strings': {
      if (typeof v === 'string') {
        if (spec.strict) return bad('an array of strings', `write a list: ${path.split('.').pop()} = ["${v.length > 40 ? `${v.slice(0, 40)}…` : v}"]`);
        return tooLong(spec, v, path, issues) ? undefined : [v];
      }
      if (!Array.isArray(v)) return bad('an array of strings');
      if (tooMany(spec, v.length, path, issues)) return undefined;
      // Every bad item is reported, not only the first, so one round of fixes is enough.
      let ok = true;
      v.forEach((x, i) => {
        if (typeof x !== 'string') {
          issues.push({ path: `${path}[${i}]`, message: `expected a string, got ${typeName(x)}` });
          ok = false;
        } else if (tooLong(spec, x, `${path}[${i}]`, issues)) ok = false;
      });
      return ok ? v : undefined;
    }
    case 'table': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('a table');
      const entries = Object.entries(v);
      if (tooMany(spec, entries.length, path, issues)) return undefined;
      // The table is returned even with an over-long entry (the issue already fails the config), so the caller's own
      // checks of its other entries are reported in the same round.
      for (const [k, x] of entries) {
        if (spec.maxLength !== undefined && k.length > spec.maxLength) {
          issues.push({ path: `${path}.${k.slice(0, 40)}…`, message: `key is ${k.length} characters long, above the maximum of ${spec.maxLength}`, hint: 'use a shorter key' });
        } else if (typeof x === 'string') tooLong(spec, x, `${path}.${k}`, issues);
      }
      return v;
    }
  }
}

/** boundText writes a duration bound in the largest unit that divides it (`100ms`, `1s`, `10m`, `90d`), as a user would type it. */
export function boundText(ms: number): string {
  for (const [unit, n] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= n && ms % n === 0) return `${ms / n}${unit}`;
  }
  return `${ms}ms`;
}

function tooLong(spec: FieldSpec, v: string, path: string, issues: ConfigIssue[]): boolean {
  if (spec.maxLength === undefined || v.length <= spec.maxLength) return false;
  issues.push({ path, message: `is ${v.length} characters long, above the maximum of ${spec.maxLength}`, hint: `use at most ${spec.maxLength} characters` });
  return true;
}

function tooMany(spec: FieldSpec, n: number, path: string, issues: ConfigIssue[]): boolean {
  if (spec.maxItems === undefined || n <= spec.maxItems) return false;
  issues.push({ path, message: `has ${n} entries, above the maximum of ${spec.maxItems}`, hint: `list at most ${spec.maxItems}` });
  return true;
}

/** defaultValue converts a field's documented default into its read form (milliseconds, bytes). */
export function defaultValue(spec: FieldSpec): unknown {
  if (spec.default === undefined) return undefined;
  if (spec.kind === 'duration') return typeof spec.default === 'number' ? spec.default * 1000 : parseDuration(String(spec.default));
  if (spec.kind === 'size') return typeof spec.default === 'number' ? spec.default : parseSize(String(spec.default));
  return Array.isArray(spec.default) ? [...spec.default] : spec.default;
}

/** readFields checks a TOML table against field specs: unknown keys (with did-you-mean), types and ranges; it returns the values with defaults applied, keyed by canonical name. */
export function readFields(raw: unknown, fields: Record<string, FieldSpec>, path: string, issues: ConfigIssue[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.push({ path, message: `expected a table, got ${typeName(raw)}` });
    return out;
  }
  const byName = new Map<string, string>();
  for (const [name, spec] of Object.entries(fields)) {
    byName.set(name, name);
    for (const a of spec.aliases ?? []) byName.set(a, name);
  }
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const name = byName.get(key);
    if (name === undefined) {
      issues.push({ path: `${path}.${key}`, message: 'unknown key', hint: didYouMean(key, Object.keys(fields)) ?? '' });
      continue;
    }
    const v = convert(fields[name]!, value, `${path}.${key}`, issues);
    if (v !== undefined) out[name] = v;
  }
  for (const [name, spec] of Object.entries(fields)) {
    if (out[name] !== undefined) continue;
    if (spec.required && (raw as Record<string, unknown>)[name] === undefined && !(spec.aliases ?? []).some((a) => (raw as Record<string, unknown>)[a] !== undefined)) {
      issues.push({ path: `${path}.${name}`, message: 'is required', hint: spec.doc });
      continue;
    }
    const d = defaultValue(spec);
    if (d !== undefined) out[name] = d;
  }
  return out;
}
