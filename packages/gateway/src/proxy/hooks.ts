// The hook runner: a step's plugins run in order, synchronously while they return plain values (no promise on that
// path), and the chain continues after a promise settles; a plugin's answer or failure ends it. A hook that throws or
// rejects — in any step — is the plugin's failure, never the worker's: the request is answered 500 (or cut, once its
// head went out) and the failure is logged once with the plugin's name and the request id.
import type { HookResult, Plugin } from '../plugins/plugin.ts';
import { answer, sendError } from './answer.ts';
import type { Exchange } from './exchange.ts';
import { pluginFailure } from './plugin-failure.ts';

function isPromise(v: unknown): v is Promise<HookResult> {
  return typeof (v as Promise<unknown> | undefined)?.then === 'function';
}

/** runHooks calls one step's hooks in order, synchronously while they return plain values, and continues after a promise settles. */
export function runHooks(ex: Exchange, plugins: Plugin[], from: number, step: string, call: (p: Plugin) => HookResult | Promise<HookResult>, next: () => void): void {
  for (let i = from; i < plugins.length; i++) {
    let r: HookResult | Promise<HookResult>;
    try {
      r = call(plugins[i]!);
    } catch (err) {
      return sendError(ex, 500, pluginFailure(ex.rt, plugins[i]!, step, err));
    }
    if (r === undefined) continue;
    if (r === 'stop') break;
    if (isPromise(r)) {
      const p = plugins[i]!;
      r.then(
        (v) => {
          if (ex.clientGone) return;
          if (v === undefined) runHooks(ex, plugins, i + 1, step, call, next);
          else if (v === 'stop') next();
          else answered(ex, p, step, v);
        },
        (err: unknown) => sendError(ex, 500, pluginFailure(ex.rt, p, step, err)),
      );
      return;
    }
    return answered(ex, plugins[i]!, step, r);
  }
  next();
}

/** answered sends a plugin's answer; one the gateway cannot send (not an answer, an invalid status or header) is the plugin's failure. */
function answered(ex: Exchange, p: Plugin, step: string, r: HookResult): void {
  try {
    if (typeof r !== 'object' || r === null || !Number.isInteger(r.status) || r.status < 100 || r.status > 599)
      throw new TypeError(`returned ${JSON.stringify(r)}, which is neither undefined, 'stop' nor an answer with a status from 100 to 599`);
    answer(ex, r);
  } catch (err) {
    sendError(ex, 500, pluginFailure(ex.rt, p, step, err));
  }
}
