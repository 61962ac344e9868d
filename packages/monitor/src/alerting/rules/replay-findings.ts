import type { Finding } from '../../model/health.ts';
import type { Expr } from './expr.ts';

/** FINDING_EVENT_TYPES are the stored event types that findingsFromEvents rebuilds the health findings from. */
export const FINDING_EVENT_TYPES: readonly string[] = [
  'cluster_unreachable',
  'cluster_reachable',
  'quorum_lost',
  'quorum_regained',
  'member_down',
  'member_up',
  'alarm_raised',
  'alarm_cleared',
  'split_brain',
  'split_brain_resolved',
  'finding_raised',
  'finding_cleared',
];

/** FindingEvent is the part of a stored event findingsFromEvents reads. */
export interface FindingEvent {
  time: number;
  type: string;
  member?: string;
  message: string;
  details?: Record<string, unknown>;
}

interface Change {
  time: number;
  raise: boolean;
  code: string;
  member: string;
  message: string;
}

const ALARM_CODES: Record<string, string> = { NOSPACE: 'alarm_nospace', CORRUPT: 'alarm_corrupt' };

function changesOf(e: FindingEvent): Change[] {
  const at = (raise: boolean, code: string, member = '') => ({ time: e.time, raise, code, member, message: e.message });
  switch (e.type) {
    case 'cluster_unreachable':
    case 'cluster_reachable':
      return [at(e.type === 'cluster_unreachable', 'cluster_unreachable')];
    case 'quorum_lost':
    case 'quorum_regained':
      return [at(e.type === 'quorum_lost', 'quorum_lost')];
    case 'member_down':
    case 'member_up':
      return e.member ? [at(e.type === 'member_down', 'member_down', e.member)] : [];
    case 'alarm_raised':
    case 'alarm_cleared': {
      const code = ALARM_CODES[String(e.details?.alarm)];
      return code ? [at(e.type === 'alarm_raised', code, e.member)] : [];
    }
    case 'split_brain': {
      const codes = Array.isArray(e.details?.codes) && e.details.codes.length > 0 ? (e.details.codes as string[]) : ['split_brain'];
      return codes.map((c) => at(true, c));
    }
    case 'split_brain_resolved':
      return [at(false, 'split_brain'), at(false, 'member_list_diverged')];
    case 'finding_raised':
    case 'finding_cleared':
      return typeof e.details?.code === 'string' ? [at(e.type === 'finding_raised', e.details.code, e.member)] : [];
    default:
      return [];
  }
}

/**
 * findingsFromEvents rebuilds the health findings at any instant from a cluster's stored events (oldest first), for
 * replaying rules that read `finding()`: each finding holds from the event that raised it to the one that cleared it.
 * While the cluster is unreachable only that finding holds, as in the live health model. Findings already present when
 * the monitor started have no event, so they are missing from a replay.
 */
export function findingsFromEvents(events: readonly FindingEvent[]): (t: number) => Finding[] {
  const changes = events.flatMap(changesOf).sort((a, b) => a.time - b.time);
  let next = 0;
  let active = new Map<string, Change>();
  let last = -Infinity;
  return (t) => {
    // Replays step forward in time; a step back starts over.
    if (t < last) {
      next = 0;
      active = new Map();
    }
    last = t;
    for (; next < changes.length && changes[next]!.time <= t; next++) {
      const c = changes[next]!;
      const key = `${c.code}@${c.member}`;
      if (c.raise) active.set(key, c);
      else active.delete(key);
    }
    const out: Finding[] = [];
    for (const c of active.values()) out.push({ code: c.code, severity: 'warning', ...(c.member ? { member: c.member } : {}), message: c.message });
    const unreachable = out.find((f) => f.code === 'cluster_unreachable');
    return unreachable ? [unreachable] : out;
  };
}

/** readsFindings tells whether an expression calls `finding()`, so a replay of it depends on the stored events. */
export function readsFindings(e: Expr): boolean {
  switch (e.kind) {
    case 'call':
      return e.fn === 'finding' || e.args.some(readsFindings);
    case 'binary':
      return readsFindings(e.lhs) || readsFindings(e.rhs);
    case 'neg':
      return readsFindings(e.expr);
    default:
      return false;
  }
}
