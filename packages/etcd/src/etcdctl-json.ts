import type { Alarm, MemberInfo } from './client.ts';
import type { MemberRow } from './cluster.ts';
import { idToHex } from './ids.ts';

/**
 * parseEtcdctlJson parses `etcdctl -w json` output keeping 64-bit ids exact: etcdctl prints member ids as JSON numbers
 * above 2^53, which JSON.parse would round. Integers that do not fit a double are kept as decimal strings.
 */
export function parseEtcdctlJson(text: string): unknown {
  return JSON.parse(text, (_key, value, context?: { source?: string }) =>
    typeof value === 'number' && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source) ? context.source : value,
  );
}

const ALARM_NAMES = ['NONE', 'NOSPACE', 'CORRUPT'];

/** EtcdctlOutputs are the JSON outputs of `etcdctl endpoint status`, `endpoint health`, `member list` and `alarm list`. */
export interface EtcdctlOutputs {
  /** status is `etcdctl endpoint status -w json`. */
  status: string;
  /** health is `etcdctl endpoint health -w json`. */
  health?: string;
  /** memberList is `etcdctl member list -w json`. */
  memberList?: string;
  /** alarms is `etcdctl alarm list -w json`. */
  alarms?: string;
}

/**
 * rowsFromEtcdctl turns etcdctl's JSON outputs into the rows `judge` reads, so a verdict can be reached from
 * captured etcdctl output as well as from live calls. Endpoints that `endpoint health` lists but `endpoint status`
 * could not reach become rows with the health error.
 */
export function rowsFromEtcdctl(o: EtcdctlOutputs): { rows: MemberRow[]; memberList: MemberInfo[] | null; alarms: Alarm[] | null } {
  type Status = {
    Endpoint: string;
    Status: {
      header: Record<string, string | number>;
      version: string;
      dbSize: number;
      dbSizeInUse?: number;
      leader?: string | number;
      raftIndex: number;
      raftTerm: number;
      raftAppliedIndex: number;
      errors?: string[];
      isLearner?: boolean;
    };
  };
  type Health = { endpoint: string; health: boolean; took: string; error?: string };
  const statuses = parseEtcdctlJson(o.status) as Status[];
  const health = o.health ? (parseEtcdctlJson(o.health) as Health[]) : [];
  const rows: MemberRow[] = statuses.map(({ Endpoint, Status: s }) => {
    const id = idToHex(s.header.member_id ?? 0);
    const leader = idToHex(s.leader ?? 0);
    const h = health.find((x) => x.endpoint === Endpoint);
    return {
      endpoint: Endpoint,
      id,
      name: null,
      version: s.version,
      dbSize: s.dbSize,
      dbSizeInUse: s.dbSizeInUse ?? null,
      isLeader: leader !== '0' && leader === id,
      leader,
      raftTerm: s.raftTerm,
      raftIndex: s.raftIndex,
      raftAppliedIndex: s.raftAppliedIndex,
      isLearner: s.isLearner ?? false,
      health: h ? h.health : true,
      latencyMs: null,
      error: h && !h.health ? (h.error ?? 'unhealthy') : null,
      errorCode: h && !h.health ? 'ETCD_UNHEALTHY' : null,
      hint: null,
      errors: s.errors ?? [],
    };
  });
  for (const h of health) {
    if (rows.some((r) => r.endpoint === h.endpoint)) continue;
    rows.push({
      endpoint: h.endpoint,
      id: null,
      name: null,
      version: null,
      dbSize: null,
      dbSizeInUse: null,
      isLeader: null,
      leader: null,
      raftTerm: null,
      raftIndex: null,
      raftAppliedIndex: null,
      isLearner: null,
      health: false,
      latencyMs: null,
      error: h.error ?? 'unreachable',
      errorCode: 'ETCD_UNREACHABLE',
      hint: null,
      errors: [],
    });
  }
  let memberList: MemberInfo[] | null = null;
  if (o.memberList) {
    const ml = parseEtcdctlJson(o.memberList) as { members: Array<{ ID: string | number; name?: string; peerURLs?: string[]; clientURLs?: string[]; isLearner?: boolean }> };
    memberList = ml.members.map((m) => ({ id: idToHex(m.ID), name: m.name ?? '', peerURLs: m.peerURLs ?? [], clientURLs: m.clientURLs ?? [], isLearner: m.isLearner ?? false }));
    for (const r of rows) {
      const m = memberList.find((x) => x.id === r.id || x.clientURLs.includes(r.endpoint));
      if (m) {
        r.name = m.name || null;
        r.id ??= m.id;
      }
    }
  }
  let alarms: Alarm[] | null = null;
  if (o.alarms) {
    const al = parseEtcdctlJson(o.alarms) as { alarms?: Array<{ memberID: string | number; alarm: number | string }> };
    alarms = (al.alarms ?? []).map((a) => ({ memberId: idToHex(a.memberID), alarm: typeof a.alarm === 'number' ? (ALARM_NAMES[a.alarm] ?? String(a.alarm)) : a.alarm }));
  }
  return { rows, memberList, alarms };
}
