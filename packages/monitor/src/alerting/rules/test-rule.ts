import { AppError } from '@etcd-monitor/core';
import type { Finding } from '../../model/health.ts';
import { evaluateExpr, historyScope, type HistoryReader } from './evaluate.ts';
import { advance, type Activity } from './lifecycle.ts';
import { compileRule, type CompiledRule, type Rule } from './rule.ts';

/** ReplaySource is the stored history of one cluster that testRule replays a rule over. */
export interface ReplaySource {
  /** cluster is the cluster's name. */
  cluster: string;
  /** members are the member names whose series are read. */
  members: string[];
  /** read reads one series of one member over a time range. */
  read: HistoryReader;
  /** findings returns the health findings at an instant, when the caller can rebuild them (stored events); none otherwise. */
  findings?(t: number): Finding[];
}

/** RuleTransition is one change of state of one alert instance during a replay. */
export interface RuleTransition {
  /** t is the evaluation instant (ms). */
  t: number;
  /** member is the member concerned, absent for a cluster-level alert. */
  member?: string;
  /** state is the state entered. */
  state: 'pending' | 'firing' | 'resolved';
  /** value is the expression's value at t (absent when resolved). */
  value?: number;
}

/** RuleTestResult says when a rule would have been pending, firing and resolved over a stretch of stored history. */
export interface RuleTestResult {
  /** rule is the rule's name. */
  rule: string;
  /** evaluations is how many instants were evaluated. */
  evaluations: number;
  /** transitions are every state change, in time order. */
  transitions: RuleTransition[];
  /** firstFiringAt is when the rule would first have fired, if it would. */
  firstFiringAt?: number;
  /** firingAtEnd lists the members (or '' for the cluster) still firing at `to`. */
  firingAtEnd: string[];
}

// A replay of more steps than this is a mistake (a 1 s step over a month), not a question worth a minute of CPU.
const MAX_STEPS = 100_000;

/**
 * testRule replays a rule over stored history from `from` to `to` every `step` ms, with the engine's own lifecycle, and
 * says when it would have been pending, firing and resolved. Findings-based rules need `history.findings`.
 */
export function testRule(rule: Rule | CompiledRule, history: ReplaySource, from: number, to: number, step: number): RuleTestResult {
  if (!(step > 0)) throw new AppError('MON_RULE_TEST_STEP', `step: ${step} is not a positive number of ms`, { field: 'step' });
  if (!(to >= from)) throw new AppError('MON_RULE_TEST_RANGE', 'to: the range ends before it starts', { field: 'to' });
  if ((to - from) / step > MAX_STEPS)
    throw new AppError('MON_RULE_TEST_RANGE', `step: ${Math.ceil((to - from) / step)} evaluations exceed ${MAX_STEPS}`, {
      field: 'step',
      hint: 'use a larger step or a shorter range',
    });
  const r = 'ast' in rule ? rule : compileRule(rule);
  const active = new Map<string, Activity>();
  const transitions: RuleTransition[] = [];
  let firstFiringAt: number | undefined;
  let evaluations = 0;
  for (let t = from; t <= to; t += step) {
    evaluations++;
    const scope = historyScope(history.cluster, history.members, history.read, t, history.findings ? () => history.findings!(t) : undefined);
    const result = evaluateExpr(r.ast, scope);
    const keys = new Set([...active.keys(), ...result.keys()]);
    for (const k of keys) {
      const prev = active.get(k);
      const next = advance(prev, result.has(k), t, r.for);
      const at = (state: RuleTransition['state'], value?: number) => transitions.push({ t, ...(k ? { member: k } : {}), state, ...(value !== undefined ? { value } : {}) });
      if (next === 'resolved') {
        at('resolved');
        active.delete(k);
      } else if (next === undefined) {
        active.delete(k);
      } else {
        if (!prev) at(next.state, result.get(k));
        else if (prev.state !== next.state) at(next.state, result.get(k));
        if (next.state === 'firing' && firstFiringAt === undefined) firstFiringAt = t;
        active.set(k, next);
      }
    }
  }
  return {
    rule: r.name,
    evaluations,
    transitions,
    ...(firstFiringAt !== undefined ? { firstFiringAt } : {}),
    firingAtEnd: [...active]
      .filter(([, a]) => a.state === 'firing')
      .map(([k]) => k)
      .sort(),
  };
}
