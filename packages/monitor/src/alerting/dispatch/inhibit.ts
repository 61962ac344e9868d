import { AppError, matchesAll, parseMatchers, readFields, type ConfigIssue, type FieldSpec, type Matcher } from '@etcd-monitor/core';
import { capped } from '../../field-limits.ts';
import type { Alert } from '../types.ts';

/** InhibitRule mutes target alerts while a source alert fires with the same values of the `equal` labels. */
export interface InhibitRule {
  /** source selects the inhibiting alerts. */
  source: Matcher[];
  /** target selects the inhibited alerts. */
  target: Matcher[];
  /** equal are the labels source and target must share, such as `cluster`. */
  equal: string[];
}

/** CAUSE_ALERTS are the alerts that make a cluster's request latency meaningless: no leader, no quorum, unreachable. */
export const CAUSE_ALERTS = ['etcdNoLeader', 'etcdInsufficientMembers', 'etcdClusterUnreachable'];

/**
 * SYMPTOM_ALERTS are the slow-request and latency alerts such a cause explains. Disk latency (fsync, commit) is left
 * out on purpose: a slow disk is a cause of lost leadership, and muting it would hide the reason.
 */
export const SYMPTOM_ALERTS = [
  'etcdGRPCRequestsSlow',
  'etcdMemberCommunicationSlow',
  'etcdProbeReadLatencyHigh',
  'etcdProbeWriteLatencyHigh',
  'etcdSlowApplies',
  'etcdProposalsPendingHigh',
  'etcdCommitApplyGapHigh',
];

/** DEFAULT_INHIBIT_RULES: a no-leader, quorum-lost or unreachable alert mutes the same cluster's slow-request and latency alerts. */
export const DEFAULT_INHIBIT_RULES: readonly InhibitRule[] = [
  {
    source: [{ name: 'alertname', value: CAUSE_ALERTS.join('|'), isRegex: true, isEqual: true }],
    target: [{ name: 'alertname', value: SYMPTOM_ALERTS.join('|'), isRegex: true, isEqual: true }],
    equal: ['cluster'],
  },
];

/** INHIBIT_FIELDS describe an `[[inhibit_rules]]` table. */
export const INHIBIT_FIELDS: Record<string, FieldSpec> = capped({
  source_matchers: { kind: 'strings', required: true, doc: 'Matchers selecting the firing alerts that inhibit.' },
  target_matchers: { kind: 'strings', required: true, doc: 'Matchers selecting the alerts that are inhibited.' },
  equal: { kind: 'strings', default: ['cluster'], doc: 'Labels whose values source and target must share.' },
});

/** readInhibitRules reads `[[inhibit_rules]]`; without any, DEFAULT_INHIBIT_RULES apply. */
export function readInhibitRules(raw: unknown, issues: ConfigIssue[], path = 'inhibit_rules'): InhibitRule[] {
  if (raw === undefined) return [...DEFAULT_INHIBIT_RULES];
  if (!Array.isArray(raw)) {
    issues.push({ path, message: 'expected an array of tables ([[inhibit_rules]])' });
    return [];
  }
  const out: InhibitRule[] = [];
  raw.forEach((entry, i) => {
    const p = `${path}[${i}]`;
    const before = issues.length;
    const v = readFields(entry, INHIBIT_FIELDS, p, issues);
    if (issues.length > before) return;
    try {
      out.push({ source: parseMatchers(v.source_matchers, `${p}.source_matchers`), target: parseMatchers(v.target_matchers, `${p}.target_matchers`), equal: v.equal as string[] });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      issues.push({ path: err.field ?? p, message: err.message.replace(`${err.field}: `, ''), ...(err.hint ? { hint: err.hint } : {}) });
    }
  });
  return out;
}

/**
 * Inhibitor answers "is this alert inhibited?" against the firing alerts; sources are indexed per rule by their
 * `equal` label values, so a check costs one map lookup per rule however many alerts fire.
 */
export class Inhibitor {
  private readonly rules: readonly InhibitRule[];
  private index: Array<Map<string, Set<string>>> = [];

  constructor(rules: readonly InhibitRule[]) {
    this.rules = rules;
  }

  /** reset rebuilds the source index from the currently firing alerts. */
  reset(firing: Iterable<Alert>): void {
    this.index = this.rules.map(() => new Map());
    for (const a of firing) {
      if (a.state !== 'firing') continue;
      this.rules.forEach((r, i) => {
        if (!matchesAll(r.source, a.labels)) return;
        const key = equalKey(r, a.labels);
        const m = this.index[i]!;
        const set = m.get(key) ?? new Set<string>();
        set.add(a.fingerprint);
        m.set(key, set);
      });
    }
  }

  /** inhibited tells whether an alert is muted by a firing source other than itself. */
  inhibited(a: Alert): boolean {
    for (let i = 0; i < this.rules.length; i++) {
      const r = this.rules[i]!;
      if (!matchesAll(r.target, a.labels)) continue;
      const sources = this.index[i]?.get(equalKey(r, a.labels));
      if (sources && (sources.size > 1 || !sources.has(a.fingerprint))) return true;
    }
    return false;
  }
}

function equalKey(r: InhibitRule, labels: Record<string, string>): string {
  return JSON.stringify(r.equal.map((l) => labels[l] ?? ''));
}
