import type { MemberFacts } from '../../model/member.ts';
import { memberLabel } from './series.ts';

export { PEER_EVIDENCE_SERIES } from './series.ts';

/** PeerEvidence is one member's peer-evidence values, as of the newest scrape of a peer that reports on it. */
export interface PeerEvidence {
  /** member is the member the evidence is about, labelled as its series are (memberLabel). */
  member: string;
  /** t is the newest contributing scrape's time (ms). */
  t: number;
  /** series holds `peer_sent_failures_to_rate` (failed sends to it per second, summed over its peers) and `peer_rtt_p99_5m_to_seconds` (the slowest peer's 5-minute p99 round trip to it), where a peer reports them. */
  series: Record<string, number>;
}

/**
 * peerEvidence regroups every scraped member's per-peer links by the peer they lead to (PEER_EVIDENCE_SERIES). Only
 * members whose last scrape succeeded count, and only links to members whose id is known.
 */
export function peerEvidence(members: readonly MemberFacts[]): PeerEvidence[] {
  const byId = new Map<string, MemberFacts>();
  for (const f of members) if (f.id) byId.set(f.id, f);
  const out = new Map<string, PeerEvidence>();
  for (const from of members) {
    const m = from.metrics;
    if (!m || from.metricsError) continue;
    for (const p of m.peers ?? []) {
      const target = byId.get(p.to);
      if (!target || target === from) continue;
      const label = memberLabel(target);
      let e = out.get(label);
      if (!e) out.set(label, (e = { member: label, t: m.at, series: {} }));
      e.t = Math.max(e.t, m.at);
      if (p.sentFailuresRate !== undefined) e.series.peer_sent_failures_to_rate = (e.series.peer_sent_failures_to_rate ?? 0) + p.sentFailuresRate;
      if (p.rttP99Window !== undefined) e.series.peer_rtt_p99_5m_to_seconds = Math.max(e.series.peer_rtt_p99_5m_to_seconds ?? 0, p.rttP99Window);
    }
  }
  return [...out.values()];
}
