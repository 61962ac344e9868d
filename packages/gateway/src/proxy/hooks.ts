// The hook runner: a step's plugins run in order, synchronously while they return plain values (no promise on that
// path), and the chain continues after a promise settles; a plugin's answer or failure ends it. A hook that throws or
// rejects — in any step — is the plugin's failure, never the worker's: the request is answered 500 (or cut, once its
// head went out) and the failure is logged once with the plugin's name and the request id.
import type { HookResult, Plugin, ResponseHead } from '../plugins/plugin.ts';
import { errorMessage } from '@etcd-monitor/core';
import { answer, sendError } from './answer.ts';
import type { Exchange } from './exchange.ts';

function isPromise(v: unknown): v is Promise<HookResult> {
  return typeof (v as Promise<unknown> | undefined)?.then === 'function';
}

/** pluginFailure describes a hook's failure for the process log: the plugin's entry name, its category, the step and the error. */
export function pluginFailure(ex: Exchange, p: Plugin, step: string, err: unknown): string {
  let name = '?';
  for (const [n, q] of ex.rt.plugins) if (q === p) name = n;
  const category = ex.rt.config.plugins[name]?.category ?? '?';
  return `plugins.${name} (${category}) failed in ${step}: ${errorMessage(err)}`;
}

/** runHooks calls one step's hooks in order, synchronously while they return plain values, and continues after a promise settles. */
export function runHooks(ex: Exchange, plugins: Plugin[], from: number, step: string, call: (p: Plugin) => HookResult | Promise<HookResult>, next: () => void): void {
  for (let i = from; i < plugins.length; i++) {
    let r: HookResult | Promise<HookResult>;
    try {
      r = call(plugins[i]!);
    } catch (err) {
      return sendError(ex, 500, pluginFailure(ex, plugins[i]!, step, err));
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
        (err: unknown) => sendError(ex, 500, pluginFailure(ex, p, step, err)),
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
    sendError(ex, 500, pluginFailure(ex, p, step, err));
  }
}

/** HookFailure is a head hook that threw: the plugin and what to log. */
export interface HookFailure {
  plugin: Plugin;
  detail: string;
}

/** headHooks runs the `upstreamResponse` or `response` hooks on a head, returning the first that threw (the rest did not run). */
export function headHooks(ex: Exchange, plugins: Plugin[], head: ResponseHead, upstream: boolean): HookFailure | undefined {
  let i = 0;
  try {
    for (; i < plugins.length; i++) if ((upstream ? plugins[i]!.upstreamResponse!(ex, head) : plugins[i]!.response!(ex, head)) === 'stop') break;
    return undefined;
  } catch (err) {
    return { plugin: plugins[i]!, detail: pluginFailure(ex, plugins[i]!, upstream ? 'upstreamResponse' : 'response', err) };
  }
}

/** logHooks runs the `log` hooks once a response finished; one that throws is logged and the others still run. */
export function logHooks(ex: Exchange, plugins: Plugin[]): void {
  for (const p of plugins) {
    try {
      p.log!(ex);
    } catch (err) {
      ex.rt.log.warn({ request_id: ex.requestId || undefined, server: ex.srv.name, location: ex.loc?.name }, pluginFailure(ex, p, 'log', err));
    }
  }
}
