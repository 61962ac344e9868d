import { AppError, errorMessage } from '@etcd-monitor/core';
import { MemberClient, type Alarm, type MemberInfo, type StatusResult } from './client.ts';
import { alarmsFromStatus, isAlarmText } from './status-alarms.ts';
import type { ConnectionOptions } from './options.ts';

/** Verdict is the one-word state of a cluster, as `etcd-monitor status` prints it. */
export type Verdict = 'healthy' | 'degraded' | 'no quorum' | 'no leader' | 'split';

/** LAG_THRESHOLD is how many raft entries a member's applied index may trail the highest committed index before it counts as lagging. */
export const LAG_THRESHOLD = 1000;

/** MemberRow is everything learned about one member in one pass; absent facts are null. */
export interface MemberRow {
  /** endpoint is the client URL that was asked. */
  endpoint: string;
  /** id is the member id in hex, from its status or the member list. */
  id: string | null;
  /** name is the member name from the member list. */
  name: string | null;
  /** version is the etcd server version. */
  version: string | null;
  /** dbSize is the allocated backend size in bytes. */
  dbSize: number | null;
  /** dbSizeInUse is the used backend size in bytes. */
  dbSizeInUse: number | null;
  /** isLeader tells whether this member believes it is the leader. */
  isLeader: boolean | null;
  /** leader is the id this member believes is the leader, hex; `0` for none. */
  leader: string | null;
  /** raftTerm is the member's raft term. */
  raftTerm: number | null;
  /** raftIndex is the member's raft committed index. */
  raftIndex: number | null;
  /** raftAppliedIndex is the member's applied index. */
  raftAppliedIndex: number | null;
  /** isLearner tells whether the member is a raft learner. */
  isLearner: boolean | null;
  /** health is whether a linearizable read through this member succeeded. */
  health: boolean;
  /** latencyMs is the round trip of the status call, in milliseconds. */
  latencyMs: number | null;
  /** error is the one-line reason the member could not be read or is unhealthy; null when all is well. */
  error: string | null;
  /** errorCode is the stable code of `error`. */
  errorCode: string | null;
  /** hint is one line on what to do about `error`. */
  hint: string | null;
  /** errors are the member's own Status `errors`, verbatim: its active alarms and conditions such as "etcdserver: no leader". */
  errors: string[];
}

/** ClusterView is one pass over every member of a cluster, and what it adds up to. */
export interface ClusterView {
  /** verdict is the overall state. */
  verdict: Verdict;
  /** reasons explain a verdict other than healthy, one line each. */
  reasons: string[];
  /** members has one row per endpoint asked (or per member, with discovery). */
  members: MemberRow[];
  /** memberList is the cluster's member list, when any member answered. */
  memberList: MemberInfo[] | null;
  /** alarms are the cluster's active alarms, when any member answered. */
  alarms: Alarm[] | null;
  /** leader is the agreed leader id, hex, when there is one. */
  leader: string | null;
  /** clusterId is the cluster id, hex. */
  clusterId: string | null;
}

/** InspectOptions choose how members are found. */
export interface InspectOptions {
  /** discover asks the member list for every member's client URL, like etcdctl's `--cluster`. */
  discover?: boolean;
}

/** inspectCluster asks every member for its status, health and the member list, all at once, each bounded by the command timeout. */
export async function inspectCluster(opts: ConnectionOptions, io: InspectOptions = {}): Promise<ClusterView> {
  const clients = new Map<string, MemberClient>();
  const clientFor = (ep: string) => {
    let c = clients.get(ep);
    if (!c) clients.set(ep, (c = new MemberClient(ep, opts)));
    return c;
  };
  try {
    let endpoints = opts.endpoints;
    let memberList: MemberInfo[] | null = null;
    let unstarted: MemberInfo[] = [];
    if (io.discover) {
      memberList = await firstSuccess(endpoints.map((ep) => () => clientFor(ep).memberList()));
      if (!memberList) {
        const errs = await Promise.all(
          endpoints.map((ep) =>
            clientFor(ep)
              .memberList()
              .then(
                () => null,
                (e: unknown) => errorMessage(e),
              ),
          ),
        );
        return emptyView(
          endpoints,
          errs.map((e) => e ?? 'no answer'),
          'could not read the member list from any endpoint',
        );
      }
      endpoints = memberList.filter((m) => m.clientURLs.length > 0).map((m) => m.clientURLs[0]!);
      unstarted = memberList.filter((m) => m.clientURLs.length === 0);
    }
    const [rows, list] = await Promise.all([
      Promise.all(endpoints.map((ep) => readMember(clientFor(ep)))),
      memberList ? Promise.resolve(memberList) : firstSuccess(endpoints.map((ep) => () => clientFor(ep).memberList())),
    ]);
    const alarms = await readAlarms(rows, clientFor);
    for (const m of unstarted) rows.push(unstartedRow(m));
    if (list) nameRows(rows, list);
    const clusterId = rows.map((r) => r.clusterId).find((c) => c) ?? null;
    // Credentials every member rejects are the caller's mistake, not the cluster's state: no verdict can be reached.
    const authCodes = ['ETCD_AUTH_FAILED', 'ETCD_AUTH_REQUIRED'];
    const authFailed = rows.filter((r) => r.errorCode && authCodes.includes(r.errorCode));
    if (authFailed.length > 0 && authFailed.length === rows.filter((r) => r.errorCode).length && rows.every((r) => !r.health)) {
      const r = authFailed[0]!;
      throw new AppError(r.errorCode as `ETCD_${string}`, r.error!.replace(/^health check failed: /, ''), { field: '--user', hint: r.hint ?? undefined });
    }
    const view = judge(
      rows.map(({ clusterId: _c, ...r }) => r),
      list,
      alarms,
      { allMembersAsked: Boolean(io.discover) || coversAllMembers(endpoints, list) },
    );
    return { ...view, memberList: list, alarms, clusterId };
  } finally {
    for (const c of clients.values()) c.close();
  }
}

type RowWithCluster = MemberRow & { clusterId?: string };

/**
 * readAlarms takes the alarms from the members' Status answers, which list them for free; the Alarm RPC is a raft
 * proposal in etcd 3.4 (a WAL entry and an fsync on every member), so it is called, on one member, only when a Status
 * answer cannot be read for alarms (a server before 3.4, or an alarm text not understood).
 */
async function readAlarms(rows: MemberRow[], clientFor: (ep: string) => MemberClient): Promise<Alarm[] | null> {
  const answered = rows.filter((r) => r.version !== null);
  if (answered.length === 0) return null;
  const fromStatus = alarmsFromStatus(answered.map((r) => ({ errors: r.errors, version: r.version! })));
  if (fromStatus.complete) return fromStatus.alarms;
  for (const r of answered) {
    try {
      return await clientFor(r.endpoint).alarms();
    } catch {
      // Alarms need consensus: try the next member.
    }
  }
  return fromStatus.alarms;
}

async function readMember(client: MemberClient): Promise<RowWithCluster> {
  const started = performance.now();
  let status: StatusResult;
  try {
    status = await client.status();
  } catch (err) {
    return { ...blankRow(client.endpoint), ...rowError(err, client.endpoint) };
  }
  const latencyMs = Math.round((performance.now() - started) * 10) / 10;
  const row: RowWithCluster = {
    endpoint: client.endpoint,
    id: status.id,
    name: null,
    version: status.version,
    dbSize: status.dbSize,
    dbSizeInUse: status.dbSizeInUse,
    isLeader: status.leader !== '0' && status.leader === status.id,
    leader: status.leader,
    raftTerm: status.raftTerm,
    raftIndex: status.raftIndex,
    raftAppliedIndex: status.raftAppliedIndex,
    isLearner: status.isLearner,
    health: false,
    latencyMs,
    error: null,
    errorCode: null,
    hint: null,
    errors: status.errors,
    clusterId: status.clusterId,
  };
  try {
    await client.health();
    row.health = true;
  } catch (err) {
    const e = rowError(err, client.endpoint);
    // The member answered its status at once, so a read that timed out is not a slow member: it cannot reach
    // consensus. What etcd says about itself (no leader) is the better hint.
    if (e.errorCode === 'ETCD_TIMEOUT') {
      e.hint =
        status.leader === '0'
          ? 'the member has no leader: quorum is lost or an election is under way; bring back the down members and check the peer network (port 2380)'
          : 'the member answers but its linearizable read did not complete: it cannot reach a quorum (members down or a partitioned peer network)';
    }
    Object.assign(row, e, { error: `health check failed: ${e.error}` });
  }
  return row;
}

/** judge turns member rows, the member list and alarms into a verdict with reasons. It is pure, so it is tested on fixtures. */
export function judge(
  rows: MemberRow[],
  memberList: MemberInfo[] | null,
  alarms: Alarm[] | null,
  o: { allMembersAsked: boolean; lagThreshold?: number } = { allMembersAsked: true },
): Omit<ClusterView, 'memberList' | 'alarms' | 'clusterId'> {
  const reasons: string[] = [];
  const label = (r: MemberRow) => r.name || r.id || r.endpoint;
  const reachable = rows.filter((r) => r.raftTerm !== null);
  const voters = memberList ? memberList.filter((m) => !m.isLearner) : rows.filter((r) => !r.isLearner);
  const quorum = Math.floor(voters.length / 2) + 1;
  const reachableVoters = reachable.filter((r) => !r.isLearner);
  const down = rows.filter((r) => r.raftTerm === null);
  const withHint = (r: MemberRow) => (r.hint ? `${r.error} (${r.hint})` : r.error);
  // The same failure on every member (a wrong CA, a firewall) is one problem: say it once.
  const sameForAll = down.length > 1 && down.length === rows.length && down.every((r) => r.error === down[0]!.error);
  if (sameForAll) reasons.push(`all ${down.length} members fail the same way: ${withHint(down[0]!)}`);
  else for (const r of down) reasons.push(`${label(r)} is down: ${withHint(r)}`);

  // What etcd reports about itself, in its own words ("etcdserver: no leader"); alarms are listed on their own below.
  for (const r of reachable) for (const e of r.errors) if (!isAlarmText(e)) reasons.push(`${label(r)} reports: ${e}`);

  const result = (verdict: Verdict, leader: string | null = null) => ({ verdict, reasons, members: rows, leader });
  if (reachable.length === 0) {
    if (!sameForAll) reasons.unshift('no member answered');
    return result('no quorum');
  }
  if (o.allMembersAsked && reachableVoters.length < quorum) {
    reasons.unshift(`only ${reachableVoters.length} of ${voters.length} voting members answer; a quorum needs ${quorum}`);
    return result('no quorum');
  }
  // Raft allows one leader per term: two members naming different leaders in the same term is a split brain.
  const byTerm = new Map<number, Set<string>>();
  for (const r of reachable) {
    if (r.leader && r.leader !== '0') byTerm.set(r.raftTerm!, (byTerm.get(r.raftTerm!) ?? new Set()).add(r.leader));
  }
  for (const [term, leaders] of byTerm) {
    if (leaders.size > 1) {
      reasons.unshift(`members disagree on the leader in term ${term}: ${[...leaders].join(' vs ')}`);
      return result('split');
    }
  }
  const withLeader = reachable.filter((r) => r.leader && r.leader !== '0');
  if (withLeader.length === 0) {
    reasons.unshift('no member knows a leader (an election is under way or a quorum is lost)');
    return result('no leader');
  }
  // Members that agree on a leader in different terms: the one in the highest term is current.
  const newest = withLeader.reduce((a, b) => (b.raftTerm! > a.raftTerm! ? b : a));
  const leader = newest.leader!;
  for (const r of reachable) {
    if (!r.leader || r.leader === '0') reasons.push(`${label(r)} has no leader`);
    else if (r.leader !== leader && r.isLeader)
      reasons.push(`${label(r)} still claims leadership in older term ${r.raftTerm} (current leader ${leader} in term ${newest.raftTerm}): it is cut off from its peers`);
    else if (r.leader !== leader) reasons.push(`${label(r)} follows ${r.leader} in older term ${r.raftTerm} (current leader ${leader})`);
  }
  const healthy = reachable.filter((r) => r.health);
  if (healthy.length === 0) {
    reasons.unshift('no member can serve a linearizable read: the cluster cannot reach consensus');
    return result('no quorum', leader);
  }
  for (const r of reachable) if (!r.health) reasons.push(`${label(r)}: ${withHint(r)}`);
  const maxIndex = Math.max(...reachable.map((r) => r.raftIndex!));
  const lag = o.lagThreshold ?? LAG_THRESHOLD;
  for (const r of reachable) {
    if (maxIndex - r.raftAppliedIndex! > lag) reasons.push(`${label(r)} lags: applied index ${r.raftAppliedIndex} is ${maxIndex - r.raftAppliedIndex!} behind ${maxIndex}`);
  }
  for (const a of alarms ?? []) {
    const who = rows.find((r) => r.id === a.memberId);
    reasons.push(`alarm ${a.alarm} raised by ${who ? label(who) : a.memberId}`);
  }
  if (!alarms) {
    const fromStatus = new Set(reachable.flatMap((r) => r.errors).filter(isAlarmText));
    for (const e of fromStatus) reasons.push(`member reports: ${e}`);
  }
  if (memberList) {
    const asked = new Set(rows.map((r) => r.id).filter(Boolean));
    const missing = memberList.filter((m) => m.clientURLs.length === 0 && !asked.has(m.id));
    for (const m of missing) reasons.push(`member ${m.id} is in the member list but not started`);
  }
  return result(reasons.length > 0 ? 'degraded' : 'healthy', leader);
}

/** rowError splits a failure into the row's message (without the endpoint, which the row shows), code and hint. */
function rowError(err: unknown, endpoint: string): Pick<MemberRow, 'error' | 'errorCode' | 'hint'> {
  if (err instanceof AppError) {
    const msg = err.message.startsWith(`${endpoint}: `) ? err.message.slice(endpoint.length + 2) : err.message;
    return { error: msg, errorCode: err.code, hint: err.hint ?? null };
  }
  return { error: errorMessage(err), errorCode: 'ETCD_CALL_FAILED', hint: null };
}

function blankRow(endpoint: string): MemberRow {
  return {
    endpoint,
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
    error: null,
    errorCode: null,
    hint: null,
    errors: [],
  };
}

function unstartedRow(m: MemberInfo): RowWithCluster {
  return {
    ...blankRow(m.peerURLs[0] ?? ''),
    id: m.id,
    isLearner: m.isLearner,
    error: 'not started: the member is in the member list but has no client URL yet',
    errorCode: 'ETCD_MEMBER_NOT_STARTED',
  };
}

function nameRows(rows: MemberRow[], list: MemberInfo[]): void {
  for (const r of rows) {
    const m = list.find((x) => (r.id && x.id === r.id) || x.clientURLs.includes(r.endpoint));
    if (!m) continue;
    r.name = m.name || null;
    r.id ??= m.id;
    r.isLearner ??= m.isLearner;
  }
}

function coversAllMembers(endpoints: string[], list: MemberInfo[] | null): boolean {
  if (!list) return true;
  return list.every((m) => m.clientURLs.some((u) => endpoints.includes(u)));
}

function emptyView(endpoints: string[], errors: string[], reason: string): ClusterView {
  const members = endpoints.map((ep, i) => ({ ...blankRow(ep), error: errors[i] ?? null, errorCode: 'ETCD_UNREACHABLE' }));
  // errors here still name their endpoint; the rows show it already.
  for (const m of members) if (m.error?.startsWith(`${m.endpoint}: `)) m.error = m.error.slice(m.endpoint.length + 2);
  return { verdict: 'no quorum', reasons: [reason, ...members.map((m) => `${m.endpoint}: ${m.error}`)], members, memberList: null, alarms: null, leader: null, clusterId: null };
}

async function firstSuccess<T>(tries: Array<() => Promise<T>>): Promise<T | null> {
  if (tries.length === 0) return null;
  try {
    return await Promise.any(tries.map((f) => f()));
  } catch {
    return null;
  }
}
