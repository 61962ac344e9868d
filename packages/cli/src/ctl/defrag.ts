import { AppError, errorMessage } from '@etcd-monitor/core/errors';
import { CTL_EXIT } from '@etcd-monitor/core/parse';
import { etcd } from './etcd.ts';
import { CtlExit, type Ctx } from './context.ts';

type Targets = (ctx: Ctx) => Promise<Array<{ ep: string; url: string }>>;

/**
 * rollingDefrag is `defrag`. With the given endpoints it defragments each in turn, as etcdctl does. With --cluster it
 * is the guard-railed rolling version shared with the monitor's API (@etcd-monitor/etcd rollingDefrag): it refuses
 * while any member is unhealthy (unless --force), then defragments one member at a time, followers first and the
 * leader last, and waits until each is healthy again before the next.
 */
export async function rollingDefrag(ctx: Ctx, targets: Targets): Promise<number> {
  const eps = await targets(ctx);
  const conn = ctx.conn();
  if (!ctx.bool('cluster')) {
    let failed = false;
    for (const { ep, url } of eps) {
      try {
        await etcd.defragOne(url, conn);
        ctx.out.line(`Finished defragmenting etcd member[${ep}]`);
      } catch (err) {
        failed = true;
        ctx.io.err.write(`Failed to defragment etcd member[${ep}] (${errorMessage(err)})\n`);
      }
      ctx.flush();
    }
    return failed ? CTL_EXIT.error : 0;
  }
  let failed = false;
  try {
    await etcd.rollingDefrag(eps, conn, {
      force: ctx.bool('force'),
      onStep: (s) => {
        if (s.ok) ctx.out.line(`Finished defragmenting etcd member[${s.ep}]`);
        else {
          failed = true;
          ctx.io.err.write(`Failed to defragment etcd member[${s.ep}] (${s.error ?? ''})\n`);
        }
        ctx.flush();
      },
    });
  } catch (err) {
    if (err instanceof AppError && (err.code === 'ETCD_CLUSTER_DEGRADED' || err.code === 'ETCD_DEFRAG_STOPPED')) throw new CtlExit(CTL_EXIT.error, err.message);
    throw err;
  }
  return failed ? CTL_EXIT.error : 0;
}
