import { errorMessage } from '@etcd-monitor/core';
import { CTL_EXIT } from '@etcd-monitor/core/parse';
import { MemberClient, type EtcdRpc, type StatusResponse } from '@etcd-monitor/etcd';
import { CtlExit, type Ctx } from './context.ts';

type Targets = (ctx: Ctx) => Promise<Array<{ ep: string; url: string }>>;
type One = <T>(ctx: Ctx, url: string, fn: (r: EtcdRpc) => Promise<T>) => Promise<T>;

// A defragmentation blocks the member while it rewrites its database; it takes longer than an ordinary call.
const DEFRAG_TIMEOUT_MS = 120_000;
const HEALTHY_AGAIN_MS = 60_000;

/**
 * rollingDefrag is `defrag`. With the given endpoints it defragments each in turn, as etcdctl does. With --cluster it
 * is the guard-railed rolling version: it refuses while any member is unhealthy (unless --force), then defragments one
 * member at a time, followers first and the leader last, and waits until each is healthy again before the next.
 */
export async function rollingDefrag(ctx: Ctx, targets: Targets, one: One): Promise<number> {
  const eps = await targets(ctx);
  const timeoutMs = Math.max(DEFRAG_TIMEOUT_MS, ctx.conn().commandTimeoutMs);
  if (!ctx.bool('cluster')) {
    let failed = false;
    for (const { ep, url } of eps) {
      try {
        await one(ctx, url, (rpc) => rpc.defragment({ timeoutMs }));
        ctx.out.line(`Finished defragmenting etcd member[${ep}]`);
      } catch (err) {
        failed = true;
        ctx.io.err.write(`Failed to defragment etcd member[${ep}] (${errorMessage(err)})\n`);
      }
      ctx.flush();
    }
    return failed ? CTL_EXIT.error : 0;
  }

  const status = await Promise.all(eps.map(async (e) => ({ ...e, st: await one(ctx, e.url, (rpc) => rpc.status()).catch((err: unknown) => err as Error) })));
  const problems: string[] = [];
  for (const s of status) {
    if (s.st instanceof Error) problems.push(`${s.ep}: ${errorMessage(s.st).replace(`${s.url}: `, '')}`);
    else if (s.st.errors.length) problems.push(`${s.ep}: ${s.st.errors.join(', ')}`);
    else if (!(await healthy(ctx, s.url))) problems.push(`${s.ep}: unhealthy`);
  }
  const ok = status.filter((s): s is typeof s & { st: StatusResponse } => !(s.st instanceof Error));
  const leaderId = ok.find((s) => s.st.leader !== '0')?.st.leader;
  if (!leaderId) problems.push('no member knows a leader');
  if (problems.length && !ctx.bool('force')) {
    throw new CtlExit(CTL_EXIT.error, `refusing to defragment the cluster while it is degraded (${problems.join('; ')}); fix it first, or pass --force`);
  }
  // Followers first, the leader last: defragmenting the leader pauses it and may cost an election, so once.
  const order = [...status].sort((a, b) => Number(isLeader(a.st, leaderId)) - Number(isLeader(b.st, leaderId)));
  let failed = false;
  for (const { ep, url } of order) {
    try {
      await one(ctx, url, (rpc) => rpc.defragment({ timeoutMs }));
      ctx.out.line(`Finished defragmenting etcd member[${ep}]`);
      ctx.flush();
    } catch (err) {
      failed = true;
      ctx.io.err.write(`Failed to defragment etcd member[${ep}] (${errorMessage(err)})\n`);
      if (!ctx.bool('force')) throw new CtlExit(CTL_EXIT.error, `stopped the rolling defragmentation at ${ep}; the remaining members were not touched`);
      continue;
    }
    const end = Date.now() + HEALTHY_AGAIN_MS;
    while (!(await healthy(ctx, url))) {
      if (Date.now() > end) throw new CtlExit(CTL_EXIT.error, `${ep} is not healthy ${HEALTHY_AGAIN_MS / 1000}s after its defragmentation; stopped before the next member`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return failed ? CTL_EXIT.error : 0;
}

function isLeader(st: StatusResponse | Error, leaderId: string | undefined): boolean {
  return !(st instanceof Error) && st.header.member_id === leaderId;
}

async function healthy(ctx: Ctx, url: string): Promise<boolean> {
  const client = new MemberClient(url, ctx.conn());
  try {
    await client.health();
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}
