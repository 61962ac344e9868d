import { parseDuration, parseSize, errorMessage } from '@etcd-monitor/core';
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
  /** min is the smallest accepted number. */
  min?: number;
  /** max is the largest accepted number. */
  max?: number;
}

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
      try {
        if (spec.kind === 'duration') return typeof v === 'number' ? v * 1000 : parseDuration(v, path);
        return typeof v === 'number' ? v : parseSize(v, path);
      } catch (err) {
        issues.push({ path, message: errorMessage(err).replace(`${path}: `, '') });
        return undefined;
      }
    }
    case 'strings': {
      if (typeof v === 'string') return [v];
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return bad('an array of strings');
      return v;
    }
    case 'table':
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : bad('a table');
  }
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
