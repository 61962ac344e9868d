import type { Member } from '@etcd-monitor/monitor/contract';

/**
 * memberLabel names a member for people: its etcd name, else its id, else the endpoint watched — a member the monitor
 * has never reached has neither name nor id.
 */
export function memberLabel(m: Pick<Member, 'name' | 'id' | 'endpoint'>): string {
  return m.name || m.id || m.endpoint;
}

/** compareMembers orders members by their label, so tables and the topology list them the same way. */
export function compareMembers(a: Member, b: Member): number {
  return memberLabel(a).localeCompare(memberLabel(b));
}

/** STALE_AFTER_MS is how old a metric may be before it is shown as stale even while its member answers status. */
const STALE_AFTER_MS = 60_000;

/**
 * metricsAge returns how old the member's derived metrics are (ms) when they should be shown as stale — the member
 * is down, the last scrape failed, or the numbers are older than a minute — and null while they are current.
 */
export function metricsAge(m: Pick<Member, 'up' | 'metrics' | 'metricsAt' | 'metricsError'>, now = Date.now()): number | null {
  if (!m.metrics || m.metricsAt === null) return null;
  const age = Math.max(0, now - m.metricsAt);
  return !m.up || m.metricsError !== null || age > STALE_AFTER_MS ? age : null;
}

/** TIME_TO_QUOTA_HORIZON_S bounds the time to quota worth showing: beyond 30 days, growth is noise rather than a trend. */
export const TIME_TO_QUOTA_HORIZON_S = 30 * 86_400;
