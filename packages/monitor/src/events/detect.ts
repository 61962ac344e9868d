import type { Alarm } from '@etcd-monitor/etcd';
import type { ClusterEvent, EventState, EventType } from '../model/events.ts';

export type { ClusterEvent, EventState, EventType } from '../model/events.ts';

/** EVENT_TYPES lists every event type the monitor records. */
export const EVENT_TYPES = [
  'leader_elected',
  'leader_changed',
  'leader_lost',
  'member_added',
  'member_removed',
  'member_promoted',
  'member_down',
  'member_up',
  'quorum_lost',
  'quorum_regained',
  'alarm_raised',
  'alarm_cleared',
  'split_brain',
  'split_brain_resolved',
  'cluster_unreachable',
  'cluster_reachable',
  'finding_raised',
  'finding_cleared',
] as const satisfies readonly EventType[];

// The model's EventType and this list must not drift apart: a type missing here fails to compile.
const listsEveryType: [Exclude<EventType, (typeof EVENT_TYPES)[number]>] extends [never] ? true : never = true;
void listsEveryType;

/**
 * EVENTED_FINDINGS are the finding codes that have events of their own (cluster_unreachable, quorum_lost, member_down,
 * alarm_raised, split_brain with the codes behind it); every other finding is recorded as finding_raised and finding_cleared with its code, so the findings
 * a rule saw can be replayed from the stored events (`rules test`).
 */
export const EVENTED_FINDINGS: ReadonlySet<string> = new Set([
  'cluster_unreachable',
  'quorum_lost',
  'member_down',
  'alarm_nospace',
  'alarm_corrupt',
  'split_brain',
  'member_list_diverged',
]);

/** detectEvents compares two passes over a cluster and returns what changed; the first pass only sets the baseline. */
export function detectEvents(prev: EventState | undefined, cur: EventState, cluster: string, time: number): ClusterEvent[] {
  if (!prev) return [];
  const out: ClusterEvent[] = [];
  const ev = (type: EventType, message: string, member?: string, details?: Record<string, unknown>) =>
    out.push({ time, cluster, type, message, ...(member !== undefined ? { member } : {}), ...(details ? { details } : {}) });
  const nameOf = (id: string | null) => (id ? (cur.memberList ?? prev.memberList)?.find((m) => m.id === id)?.name || cur.names?.get(id) || prev.names?.get(id) || id : 'none');

  const wasUnreachable = prev.health.status === 'unreachable';
  const isUnreachable = cur.health.status === 'unreachable';
  if (!wasUnreachable && isUnreachable) ev('cluster_unreachable', `no member of ${cluster} answers the monitor`);
  if (wasUnreachable && !isUnreachable) ev('cluster_reachable', `${cluster} answers the monitor again`);

  for (const [m, up] of cur.members) {
    const before = prev.members.get(m);
    if (before === true && !up) ev('member_down', `${m} is down`, m);
    if (before === false && up) ev('member_up', `${m} is up again`, m);
  }

  const quorumWas = prev.health.verdict === 'no quorum';
  const quorumIs = cur.health.verdict === 'no quorum';
  if (!quorumWas && quorumIs) ev('quorum_lost', `${cluster} lost quorum`, undefined, { finding: cur.health.findings[0]?.message });
  if (quorumWas && !quorumIs) ev('quorum_regained', `${cluster} has quorum again`);

  if (prev.leader && !cur.leader) ev('leader_lost', `leader ${nameOf(prev.leader)} lost`, nameOf(prev.leader), { from: prev.leader });
  if (cur.leader && cur.leader !== prev.leader) {
    const from = prev.leader ?? prev.lastLeader;
    if (from && from !== cur.leader) ev('leader_changed', `leader changed from ${nameOf(from)} to ${nameOf(cur.leader)}`, nameOf(cur.leader), { from, to: cur.leader });
    else ev('leader_elected', `${nameOf(cur.leader)} is the leader`, nameOf(cur.leader), { to: cur.leader });
  }

  const splitWas = prev.health.verdict === 'split' || prev.health.findings.some((f) => f.code === 'member_list_diverged');
  const splitIs = cur.health.verdict === 'split' || cur.health.findings.some((f) => f.code === 'member_list_diverged');
  const splitCodes = [...new Set(cur.health.findings.filter((f) => f.code === 'split_brain' || f.code === 'member_list_diverged').map((f) => f.code))];
  if (!splitWas && splitIs)
    ev('split_brain', `split brain: ${cur.health.findings.find((f) => f.code === 'split_brain' || f.code === 'member_list_diverged')?.evidence ?? 'members disagree'}`, undefined, {
      codes: splitCodes,
    });
  if (splitWas && !splitIs) ev('split_brain_resolved', 'members agree on one leader again');

  if (prev.memberList && cur.memberList) {
    const before = new Map(prev.memberList.map((m) => [m.id, m]));
    const after = new Map(cur.memberList.map((m) => [m.id, m]));
    for (const [id, m] of after) {
      const old = before.get(id);
      if (!old) ev('member_added', `member ${m.name || id} added${m.isLearner ? ' as a learner' : ''}`, m.name || id, { id, peerURLs: m.peerURLs });
      else if (old.isLearner && !m.isLearner) ev('member_promoted', `learner ${m.name || id} promoted to voting member`, m.name || id, { id });
    }
    for (const [id, m] of before) if (!after.has(id)) ev('member_removed', `member ${m.name || id} removed`, m.name || id, { id });
  }

  const findingKey = (f: { code: string; member?: string }) => `${f.code}@${f.member ?? ''}`;
  const findingsWere = new Set(prev.health.findings.filter((f) => !EVENTED_FINDINGS.has(f.code)).map(findingKey));
  const findingsAre = new Set(cur.health.findings.filter((f) => !EVENTED_FINDINGS.has(f.code)).map(findingKey));
  for (const f of cur.health.findings)
    if (!EVENTED_FINDINGS.has(f.code) && !findingsWere.has(findingKey(f))) ev('finding_raised', f.message, f.member, { code: f.code, severity: f.severity });
  for (const f of prev.health.findings)
    if (!EVENTED_FINDINGS.has(f.code) && !findingsAre.has(findingKey(f)))
      ev('finding_cleared', `${f.code} cleared${f.member ? ` on ${f.member}` : ''}: ${f.message}`, f.member, { code: f.code });

  if (prev.alarms && cur.alarms) {
    const key = (a: Alarm) => `${a.memberId}/${a.alarm}`;
    const before = new Set(prev.alarms.map(key));
    const after = new Set(cur.alarms.map(key));
    for (const a of cur.alarms) if (!before.has(key(a))) ev('alarm_raised', `alarm ${a.alarm} raised by ${nameOf(a.memberId)}`, nameOf(a.memberId), { alarm: a.alarm });
    for (const a of prev.alarms) if (!after.has(key(a))) ev('alarm_cleared', `alarm ${a.alarm} cleared on ${nameOf(a.memberId)}`, nameOf(a.memberId), { alarm: a.alarm });
  }
  return out;
}
