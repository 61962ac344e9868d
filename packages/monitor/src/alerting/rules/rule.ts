import { AppError, didYouMean, formatIssue, readFields, type ConfigIssue, type FieldSpec } from '@etcd-monitor/core';
import { capped } from '../../field-limits.ts';
import type { AlertSeverity } from '../../model/alerts.ts';
import { parseExpr, type Expr } from './expr.ts';
import { thresholdOf } from './evaluate.ts';
import { checkTemplate } from './template.ts';

/** Rule is one alerting rule as written in the config (`[[rules]]`) or sent to the API. */
export interface Rule {
  /** name becomes the alert's `alertname` label. */
  name: string;
  /** expr is the condition; the alert is active for every member (or the cluster) where it yields a value. */
  expr: string;
  /** for is how long (ms) the condition must hold before the alert fires; until then it is pending. */
  for: number;
  /** severity is critical, warning or info. */
  severity: AlertSeverity;
  /** labels are added to every alert of the rule. */
  labels: Record<string, string>;
  /** summary is the one-line templated title. */
  summary: string;
  /** description is the templated longer text. */
  description: string;
  /** runbook is the hint or URL telling the operator what to do. */
  runbook: string;
  /** enabled turns the rule off without deleting it. */
  enabled: boolean;
}

/** CompiledRule is a rule with its expression parsed once, and the threshold the expression compares against. */
export interface CompiledRule extends Rule {
  /** ast is the parsed expression. */
  ast: Expr;
  /** threshold is the constant of the expression's first comparison, for `{{ $threshold }}`. */
  threshold: number | undefined;
}

/** RULE_FIELDS describe a `[[rules]]` table and an API rule body. */
export const RULE_FIELDS: Record<string, FieldSpec> = capped({
  name: { kind: 'string', required: true, doc: 'The alert name, such as `etcdHighFsyncDurations`; it becomes the `alertname` label.' },
  expr: { kind: 'string', doc: 'The condition, such as `wal_fsync_p99_seconds > 0.5`; see docs/alerting-rules.md for the language.' },
  for: { kind: 'duration', default: '0s', min: 0, max: 30 * 86_400_000, doc: 'How long the condition must hold before the alert fires (0s to 30d).' },
  severity: { kind: 'string', default: 'warning', oneOf: ['critical', 'warning', 'info'], doc: 'The alert severity.' },
  labels: { kind: 'table', doc: 'Extra labels added to every alert of the rule.' },
  summary: { kind: 'string', doc: 'The one-line templated title, such as `{{ $labels.member }} fsync p99 is {{ $value }}s`.' },
  description: { kind: 'string', default: '', doc: 'The templated longer description.' },
  runbook: { kind: 'string', default: '', doc: 'What to do, or a link to the runbook.' },
  enabled: { kind: 'boolean', default: true, doc: 'Whether the rule is evaluated.' },
});

// Labels the engine sets itself; a rule overriding them would break routing, inhibition and fingerprints.
const RESERVED_LABELS = ['alertname', 'severity', 'cluster', 'member'];
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** compileRule parses a rule's expression and checks its templates; it throws MON_RULE_EXPR or MON_RULE_TEMPLATE naming the field. */
export function compileRule(rule: Rule, path = `rules.${rule.name}`): CompiledRule {
  const ast = parseExpr(rule.expr, `${path}.expr`);
  checkTemplate(rule.summary, `${path}.summary`);
  checkTemplate(rule.description, `${path}.description`);
  return { ...rule, labels: { ...rule.labels }, ast, threshold: thresholdOf(ast) };
}

/**
 * readRule reads one `[[rules]]` table or API body, pushing every problem onto `issues` with its dotted path. A table
 * with only `name` and `enabled`, or a partial table whose name matches `base` (a built-in), overrides just those keys.
 */
export function readRule(raw: unknown, path: string, issues: ConfigIssue[], base?: Rule): CompiledRule | undefined {
  const before = issues.length;
  const v = readFields(raw, RULE_FIELDS, path, issues);
  if (issues.length > before) return undefined;
  const given = raw as Record<string, unknown>;
  const name = v.name as string;
  if (!NAME_RE.test(name)) {
    issues.push({ path: `${path}.name`, message: `"${name}" is not a valid rule name`, hint: 'use letters, digits and _, starting with a letter' });
    return undefined;
  }
  const pick = <T>(k: string, fallback: T | undefined): T | undefined => (given[k] !== undefined || !base ? (v[k] as T | undefined) : fallback);
  const expr = pick<string>('expr', base?.expr);
  if (!expr) {
    issues.push({ path: `${path}.expr`, message: 'is required', hint: base ? undefined : `no built-in rule is named "${name}"; a new rule needs an expr` });
    return undefined;
  }
  const labels: Record<string, string> = { ...(base?.labels ?? {}) };
  for (const [k, x] of Object.entries((v.labels as Record<string, unknown> | undefined) ?? {})) {
    if (typeof x !== 'string') issues.push({ path: `${path}.labels.${k}`, message: 'expected a string' });
    else if (RESERVED_LABELS.includes(k))
      issues.push({ path: `${path}.labels.${k}`, message: `"${k}" is set by the engine`, hint: k === 'severity' ? 'use the severity key' : 'choose another label name' });
    else if (!NAME_RE.test(k)) issues.push({ path: `${path}.labels.${k}`, message: 'is not a valid label name' });
    else labels[k] = x;
  }
  if (issues.length > before) return undefined;
  const rule: Rule = {
    name,
    expr,
    for: pick<number>('for', base?.for) ?? 0,
    severity: pick<AlertSeverity>('severity', base?.severity) ?? 'warning',
    labels,
    summary: pick<string>('summary', base?.summary) ?? `${name} on {{ $cluster }}{{ $member }}: {{ $value }}`,
    description: pick<string>('description', base?.description) ?? '',
    runbook: pick<string>('runbook', base?.runbook) ?? '',
    enabled: pick<boolean>('enabled', base?.enabled) ?? true,
  };
  try {
    return compileRule(rule, path);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    issues.push({ path: err.field ?? path, message: err.message.replace(`${err.field}: `, ''), ...(err.hint ? { hint: err.hint } : {}) });
    return undefined;
  }
}

/** ruleKey identifies a rule: its name and severity, as the mixin's warning and critical variants share a name. */
export function ruleKey(r: { name: string; severity: string }): string {
  return `${r.name}/${r.severity}`;
}

/**
 * readRules reads the config's `rules` array over the built-in pack: an entry named like a built-in overrides it (only
 * the keys it sets; with `severity` only that variant, else every variant of the name), any other entry adds a rule.
 * Problems go onto `issues` as `rules[i].field`.
 */
export function readRules(raw: unknown, builtin: readonly Rule[], issues: ConfigIssue[], path = 'rules'): CompiledRule[] {
  const byKey = new Map<string, CompiledRule>();
  for (const r of builtin) byKey.set(ruleKey(r), compileRule(r));
  if (raw === undefined) return [...byKey.values()];
  if (!Array.isArray(raw)) {
    issues.push({ path, message: 'expected an array of tables ([[rules]])' });
    return [...byKey.values()];
  }
  const declared = new Set<string>();
  raw.forEach((entry, i) => {
    const p = `${path}[${i}]`;
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as { name?: unknown; severity?: unknown };
    const named = [...byKey.values()].filter((b) => b.name === e.name && builtin.some((x) => ruleKey(x) === ruleKey(b)));
    let bases = named.filter((b) => e.severity === undefined || b.severity === e.severity);
    // A single-variant built-in with another severity is a severity change, not a new rule.
    if (bases.length === 0 && named.length === 1) bases = named;
    if (bases.length === 0 && named.length > 1) {
      issues.push({
        path: `${p}.severity`,
        message: `built-in rule "${String(e.name)}" has no ${String(e.severity)} variant`,
        hint: `its variants are ${named.map((b) => b.severity).join(' and ')}`,
      });
      return;
    }
    for (const base of bases.length ? bases : [undefined]) {
      const r = readRule(entry, p, issues, base);
      if (!r) return;
      const key = ruleKey(r);
      if (declared.has(key)) {
        issues.push({ path: `${p}.name`, message: `rule "${r.name}" with severity ${r.severity} is declared twice` });
        return;
      }
      declared.add(key);
      if (base && key !== ruleKey(base)) byKey.delete(ruleKey(base));
      byKey.set(key, r);
    }
  });
  return [...byKey.values()];
}

/** parseRule validates one API rule body (or override of `base`); it throws MON_RULE_INVALID listing every problem by field. */
export function parseRule(body: unknown, base?: Rule, path = 'rule'): CompiledRule {
  const issues: ConfigIssue[] = [];
  const r = readRule(body, path, issues, base);
  if (!r || issues.length) {
    throw new AppError('MON_RULE_INVALID', issues.map(formatIssue).join('; '), { field: issues[0]?.path ?? path, hint: issues[0]?.hint });
  }
  return r;
}

/** ruleView is a rule as `GET /api/v1/rules` lists it: plain JSON, `for` as text. */
export function ruleView(r: Rule): {
  name: string;
  severity: AlertSeverity;
  for: string;
  expr: string;
  labels: Record<string, string>;
  summary: string;
  description: string;
  runbook: string;
  enabled: boolean;
} {
  return {
    name: r.name,
    severity: r.severity,
    for: formatFor(r.for),
    expr: r.expr,
    labels: r.labels,
    summary: r.summary,
    description: r.description,
    runbook: r.runbook,
    enabled: r.enabled,
  };
}

/** findRule returns the named rule or throws MON_RULE_NOT_FOUND with a did-you-mean. */
export function findRule(rules: readonly Rule[], name: string): Rule {
  const r = rules.find((x) => x.name === name);
  if (!r)
    throw new AppError('MON_RULE_NOT_FOUND', `rule "${name}" does not exist`, {
      field: 'name',
      hint: didYouMean(
        name,
        rules.map((x) => x.name),
      ),
    });
  return r;
}

/** formatFor renders a `for` duration the way it is written in the config: 0s, 30s, 10m, 1h30m. */
export function formatFor(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [u, n] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (rest >= n) {
      out += `${Math.floor(rest / n)}${u}`;
      rest %= n;
    }
  }
  return rest ? `${out}${rest}ms` : out;
}
