import { AppError, errorMessage } from '@etcd-monitor/core/errors';
import { MemberClient } from './client.ts';
import { idToHex } from './ids.ts';
import type { ConnectionOptions } from './options.ts';
import { EtcdRpc } from './rpc.ts';
import type { StatusResponse } from './rpc-types.ts';

// The guard-railed maintenance operations, shared by `etcd-monitor ctl` and the monitor's maintenance API so both
// refuse the same things with the same words.

// A defragmentation blocks the member while it rewrites its database; it takes longer than an ordinary call.
const DEFRAG_TIMEOUT_MS = 120_000;
const HEALTHY_AGAIN_MS = 60_000;

/** MemberEndpoint is one member to act on: `ep` is how it is shown, `url` where it is reached. */
export interface MemberEndpoint {
  /** ep is the endpoint as the caller shows it. */
  ep: string;
  /** url is the member's client URL. */
  url: string;
}

/** DefragStep is the outcome of defragmenting one member. */
export interface DefragStep extends MemberEndpoint {
  /** memberId is the member's id (decimal) when its status was read. */
  memberId?: string;
  /** leader is true for the member that was the leader when the rolling run started. */
  leader: boolean;
  /** ok is false when the defragmentation failed (error says why). */
  ok: boolean;
  /** error is the failure's message. */
  error?: string;
}

/** RollingDefragOptions tune rollingDefrag. */
export interface RollingDefragOptions {
  /** force goes ahead while the cluster is degraded and carries on past a failed member. */
  force?: boolean;
  /** timeoutMs bounds one member's defragmentation (at least 120 s). */
  timeoutMs?: number;
  /** healthyAgainMs bounds the wait for a member to be healthy again before the next (default 60 s). */
  healthyAgainMs?: number;
  /** onStep is told each member's outcome as it happens. */
  onStep?: (step: DefragStep) => void;
}

/** withMember runs fn against exactly one member URL on a client of its own. */
export async function withMember<T>(url: string, conn: ConnectionOptions, fn: (rpc: EtcdRpc) => Promise<T>): Promise<T> {
  const client = new MemberClient(url, conn);
  try {
    return await fn(new EtcdRpc(client));
  } finally {
    client.close();
  }
}

/** memberHealthy is `endpoint health` for one member: true when a linearizable read through it succeeds. */
export async function memberHealthy(url: string, conn: ConnectionOptions): Promise<boolean> {
  const client = new MemberClient(url, conn);
  try {
    await client.health();
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/** defragOne defragments one member (etcdctl `defrag` for one endpoint). */
export async function defragOne(url: string, conn: ConnectionOptions, timeoutMs?: number): Promise<void> {
  const t = Math.max(DEFRAG_TIMEOUT_MS, timeoutMs ?? 0, conn.commandTimeoutMs);
  await withMember(url, conn, (rpc) => rpc.defragment({ timeoutMs: t }));
}

/**
 * rollingDefrag defragments every given member one at a time, followers first and the leader last (defragmenting the
 * leader pauses it and may cost an election, so once), waiting until each is healthy again before the next. It refuses
 * (ETCD_CLUSTER_DEGRADED) while a member is unreachable or unhealthy or no leader is known, and stops
 * (ETCD_DEFRAG_STOPPED) at the first failure, unless `force`.
 */
export async function rollingDefrag(members: MemberEndpoint[], conn: ConnectionOptions, o: RollingDefragOptions = {}): Promise<DefragStep[]> {
  const status = await Promise.all(
    members.map(async (m) => ({ ...m, st: await withMember(m.url, conn, (rpc) => rpc.status()).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))) })),
  );
  const problems: string[] = [];
  for (const s of status) {
    if (s.st instanceof Error) problems.push(`${s.ep}: ${errorMessage(s.st).replace(`${s.url}: `, '')}`);
    else if (s.st.errors.length) problems.push(`${s.ep}: ${s.st.errors.join(', ')}`);
    else if (!(await memberHealthy(s.url, conn))) problems.push(`${s.ep}: unhealthy`);
  }
  const ok = status.filter((s): s is typeof s & { st: StatusResponse } => !(s.st instanceof Error));
  const leaderId = ok.find((s) => s.st.leader !== '0')?.st.leader;
  if (!leaderId) problems.push('no member knows a leader');
  if (problems.length && !o.force) {
    throw new AppError('ETCD_CLUSTER_DEGRADED', `refusing to defragment the cluster while it is degraded (${problems.join('; ')}); fix it first, or pass --force`, {
      hint: 'bring the unhealthy members back first, or force it',
    });
  }
  const isLeader = (st: StatusResponse | Error) => !(st instanceof Error) && st.header.member_id === leaderId;
  const order = [...status].sort((a, b) => Number(isLeader(a.st)) - Number(isLeader(b.st)));
  const steps: DefragStep[] = [];
  const waitMs = o.healthyAgainMs ?? HEALTHY_AGAIN_MS;
  for (const s of order) {
    const step: DefragStep = { ep: s.ep, url: s.url, leader: isLeader(s.st), ok: true, ...(s.st instanceof Error ? {} : { memberId: s.st.header.member_id }) };
    try {
      await defragOne(s.url, conn, o.timeoutMs);
    } catch (err) {
      step.ok = false;
      step.error = errorMessage(err);
    }
    steps.push(step);
    o.onStep?.(step);
    if (!step.ok) {
      if (!o.force) throw Object.assign(new AppError('ETCD_DEFRAG_STOPPED', `stopped the rolling defragmentation at ${s.ep}; the remaining members were not touched`), { steps });
      continue;
    }
    const end = Date.now() + waitMs;
    while (!(await memberHealthy(s.url, conn))) {
      if (Date.now() > end)
        throw Object.assign(new AppError('ETCD_DEFRAG_STOPPED', `${s.ep} is not healthy ${waitMs / 1000}s after its defragmentation; stopped before the next member`), { steps });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return steps;
}

/**
 * refuseQuorumLoss throws ETCD_MEMBER_NOT_FOUND for an id not in the member list, and ETCD_QUORUM_AT_RISK when removing
 * the voting member `id` (decimal) would leave fewer healthy voting members than a quorum of those that remain.
 */
export async function refuseQuorumLoss(rpc: EtcdRpc, id: string, conn: ConnectionOptions): Promise<void> {
  const list = await rpc.memberList();
  const victim = list.members.find((m) => m.ID === id);
  if (!victim) throw memberNotFound(id);
  if (victim.isLearner) return;
  const after = list.members.filter((m) => !m.isLearner && m.ID !== id);
  const quorumAfter = Math.floor(after.length / 2) + 1;
  const healthy = await Promise.all(after.map((m) => (m.clientURLs[0] ? memberHealthy(m.clientURLs[0], conn) : false)));
  const up = healthy.filter(Boolean).length;
  if (after.length === 0 || up < quorumAfter) {
    throw new AppError(
      'ETCD_QUORUM_AT_RISK',
      `refusing to remove member ${idToHex(id)}: of the ${after.length} voting member(s) that would remain only ${up} ${up === 1 ? 'is' : 'are'} healthy, and a quorum needs ${quorumAfter}; bring members back first, or pass --force`,
      { hint: 'bring members back first, or force it' },
    );
  }
}

/** memberNotFound is the error for a member id (decimal) that is not in the member list. */
export function memberNotFound(id: string): AppError {
  return new AppError('ETCD_MEMBER_NOT_FOUND', `member ${idToHex(id)} not found in the member list (etcdserver: member not found)`, {
    hint: 'list the members for their ids (hex, as etcdctl member list prints them)',
  });
}

/** requirePastRevision returns the cluster's current revision, or throws ETCD_REVISION_NOT_PAST when `rev` is not from 1 to it. */
export async function requirePastRevision(rpc: EtcdRpc, rev: bigint): Promise<bigint> {
  const head = BigInt((await rpc.range('compaction-probe', { countOnly: true, serializable: false })).header.revision);
  if (rev <= 0n || rev > head) {
    throw new AppError(
      'ETCD_REVISION_NOT_PAST',
      `revision ${rev} is not a past revision: the current revision is ${head}; compaction takes a revision from 1 to ${head} (etcdserver: mvcc: required revision is a future revision)`,
      { hint: `pass a revision from 1 to ${head}` },
    );
  }
  return head;
}
