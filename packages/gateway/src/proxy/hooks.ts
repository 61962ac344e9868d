// The hook runner: a step's plugins run in order, synchronously while they return plain values (no promise on that
// path), and the chain continues after a promise settles; a plugin's answer or failure ends it.
import type { HookResult, Plugin } from '../plugins/plugin.ts';
import { answer, sendError } from './answer.ts';
import type { Exchange } from './exchange.ts';

function isPromise(v: unknown): v is Promise<HookResult> {
  return typeof (v as Promise<unknown> | undefined)?.then === 'function';
}

/** runHooks calls one step's hooks in order, synchronously while they return plain values, and continues after a promise settles. */
export function runHooks(ex: Exchange, plugins: Plugin[], from: number, call: (p: Plugin) => HookResult | Promise<HookResult>, next: () => void): void {
  for (let i = from; i < plugins.length; i++) {
    let r: HookResult | Promise<HookResult>;
    try {
      r = call(plugins[i]!);
    } catch (err) {
      return sendError(ex, 500, `plugin failed: ${(err as Error).message}`);
    }
    if (r === undefined) continue;
    if (r === 'stop') break;
    if (isPromise(r)) {
      r.then(
        (v) => {
          if (ex.clientGone) return;
          if (v === undefined) runHooks(ex, plugins, i + 1, call, next);
          else if (v === 'stop') next();
          else answer(ex, v);
        },
        (err: unknown) => sendError(ex, 500, `plugin failed: ${(err as Error)?.message}`),
      );
      return;
    }
    return answer(ex, r);
  }
  next();
}
