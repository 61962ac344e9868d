import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAppError, type ConfigIssue } from '@etcd-monitor/core';
import { parse } from 'smol-toml';
import { BUILTIN_RULES } from './builtin/index.ts';
import { deriveSeries } from '../../collectors/metrics/derive.ts';
import { prom } from '@etcd-monitor/etcd';
import { T0, T1 } from './builtin/fixture.ts';
import { findRule, formatFor, parseRule, readRules, ruleKey, ruleView } from './rule.ts';
import { KNOWN_SERIES } from './series.ts';
import { renderTemplate } from './template.ts';

test('every built-in rule compiles, is enabled, and is unique by name and severity', () => {
  const issues: ConfigIssue[] = [];
  const rules = readRules(undefined, BUILTIN_RULES, issues);
  assert.deepEqual(issues, []);
  assert.equal(rules.length, BUILTIN_RULES.length);
  assert.equal(new Set(BUILTIN_RULES.map(ruleKey)).size, BUILTIN_RULES.length);
  assert.ok(rules.every((r) => r.enabled && r.summary && r.runbook));
  for (const name of [
    'etcdMembersDown',
    'etcdInsufficientMembers',
    'etcdNoLeader',
    'etcdHighNumberOfLeaderChanges',
    'etcdHighNumberOfFailedGRPCRequests',
    'etcdGRPCRequestsSlow',
    'etcdMemberCommunicationSlow',
    'etcdHighNumberOfFailedProposals',
    'etcdHighFsyncDurations',
    'etcdHighCommitDurations',
    'etcdDatabaseQuotaLowSpace',
    'etcdExcessiveDatabaseGrowth',
    'etcdDatabaseHighFragmentationRatio',
  ]) {
    assert.ok(
      rules.some((r) => r.name === name),
      `mixin rule ${name}`,
    );
  }
});

test('KNOWN_SERIES holds every series deriveSeries produces from the real dumps', () => {
  const s = deriveSeries({ at: 0, set: prom.parsePrometheusText(T0) }, { at: 30_000, set: prom.parsePrometheusText(T1) });
  for (const k of Object.keys(s)) assert.ok(KNOWN_SERIES.has(k), k);
});

test('[[rules]] from TOML add rules and override built-ins key by key', () => {
  const raw = parse(`
[[rules]]
name = "etcdHighFsyncDurations"
severity = "warning"
for = "2m"

[[rules]]
name = "etcdNoLeader"
enabled = false

[[rules]]
name = "etcdSplitBrain"
severity = "warning"

[[rules]]
name = "ApplyLagHigh"
expr = "commit_apply_gap > 100"
for = "30s"
severity = "info"
labels = { team = "storage" }
summary = "{{ $labels.member }} lags {{ $value }} entries (> {{ $threshold }})"
`);
  const issues: ConfigIssue[] = [];
  const rules = readRules(raw.rules, BUILTIN_RULES, issues);
  assert.deepEqual(issues, []);
  const warn = rules.find((r) => r.name === 'etcdHighFsyncDurations' && r.severity === 'warning')!;
  assert.equal(warn.for, 120_000);
  assert.equal(warn.expr, 'wal_fsync_p99_5m_seconds > 0.5');
  assert.equal(rules.find((r) => r.name === 'etcdHighFsyncDurations' && r.severity === 'critical')!.for, 600_000);
  assert.equal(rules.find((r) => r.name === 'etcdNoLeader')!.enabled, false);
  // A severity change of a single-variant built-in replaces it rather than adding a rule.
  assert.deepEqual(
    rules.filter((r) => r.name === 'etcdSplitBrain').map((r) => [r.severity, r.expr]),
    [['warning', 'finding("split_brain")']],
  );
  assert.equal(rules.length, BUILTIN_RULES.length + 1);
  const mine = rules.find((r) => r.name === 'ApplyLagHigh')!;
  assert.deepEqual([mine.severity, mine.for, mine.labels, mine.threshold], ['info', 30_000, { team: 'storage' }, 100]);
  assert.deepEqual(ruleView(mine).for, '30s');
});

test('bad rules are rejected with the field path named', () => {
  const issues: ConfigIssue[] = [];
  readRules(
    [
      { name: 'A', expr: 'wal_fsync_p99 > 1' },
      { name: 'B', expr: 'has_leader == 0', severity: 'fatal' },
      { name: 'C', expr: 'has_leader == 0', fro: '1m' },
      { name: 'D', expr: 'has_leader == 0', summary: '{{ $lables.member }}' },
      { name: 'E', expr: 'has_leader == 0', labels: { cluster: 'x' } },
      { name: 'NewRule' },
      { name: 'F', expr: 'has_leader ==' },
      { name: 'etcdHighFsyncDurations', severity: 'info' },
    ],
    BUILTIN_RULES,
    issues,
  );
  const byPath = Object.fromEntries(issues.map((i) => [i.path, `${i.message} ${i.hint ?? ''}`]));
  assert.match(byPath['rules[0].expr']!, /unknown series "wal_fsync_p99".*did you mean "wal_fsync_p99_seconds"/);
  assert.match(byPath['rules[1].severity']!, /unknown value "fatal"/);
  assert.match(byPath['rules[2].fro']!, /unknown key.*did you mean "for"/);
  assert.match(byPath['rules[3].summary']!, /unknown placeholder.*did you mean "\$labels"/);
  assert.match(byPath['rules[4].labels.cluster']!, /set by the engine/);
  assert.match(byPath['rules[5].expr']!, /is required/);
  assert.match(byPath['rules[6].expr']!, /column 14/);
  assert.match(byPath['rules[7].severity']!, /no info variant.*warning and critical/);
});

test('parseRule validates an API body and throws MON_RULE_INVALID naming the field', () => {
  const r = parseRule({ name: 'X', expr: 'fd_used_ratio > 0.9', for: '5m', severity: 'critical' });
  assert.equal(r.for, 300_000);
  assert.throws(
    () => parseRule({ name: 'X', expr: 'fd_ratio > 0.9' }),
    (e: unknown) => isAppError(e, 'MON_RULE_INVALID') && e.field === 'rule.expr' && /fd_used_ratio/.test(e.message),
  );
  assert.throws(
    () => findRule(BUILTIN_RULES, 'etcdNoLeadr'),
    (e: unknown) => isAppError(e, 'MON_RULE_NOT_FOUND') && /etcdNoLeader/.test(e.hint ?? ''),
  );
});

test('renderTemplate fills labels, value, threshold, cluster, runbook and humanizing pipes', () => {
  const d = { labels: { cluster: 'prod', member: 'm1' }, value: 0.123456, threshold: 0.1, runbook: 'see doc' };
  assert.equal(renderTemplate('{{ $labels.member }}@{{ $cluster }}: {{ $value }} > {{ $threshold }} ({{ $runbook }})', d), 'm1@prod: 0.1235 > 0.1 (see doc)');
  assert.equal(renderTemplate('{{ $value | humanizePercentage }} {{$member}}', d), '12.35% m1');
  assert.equal(renderTemplate('{{ $value | humanize1024 }}', { ...d, value: 3 * 1024 ** 3 }), renderTemplate('{{ $value | humanize1024 }}', { ...d, value: 3 * 1024 ** 3 }));
  assert.equal(renderTemplate('{{ $labels.nope }}|', d), '|');
});

test('docs/alerting-rules.md documents every built-in rule with its exact expression and for', async () => {
  const { readFileSync } = await import('node:fs');
  const doc = readFileSync(new URL('../../../../../docs/alerting-rules.md', import.meta.url), 'utf8');
  for (const r of BUILTIN_RULES) {
    const section = doc.split(/^### /m).find((s) => s.startsWith(`${r.name} `));
    assert.ok(section, `no section for ${r.name}`);
    const exprs = r.expr.split(/ > 1$| > 5$/)[0]!;
    assert.ok(section.includes(r.expr) || section.includes(exprs), `${r.name}: expression ${r.expr}`);
    assert.ok(section.includes(`\`${formatFor(r.for)}\``), `${r.name}: for ${formatFor(r.for)}`);
  }
});
