// What a plugin's failure looks like in the process log, and the hook steps that never answer (response heads, log).
// A leaf under the exchange and the answer path (it sees the runtime, not the exchange), so both can run these hooks
// without an import cycle.
import { errorMessage } from '@etcd-monitor/core';
import type { Plugin, RequestContext, ResponseHead } from '../plugins/plugin.ts';
import type { Runtime } from './runtime.ts';

/** pluginFailure describes a hook's failure for the process log: the plugin's entry name, its category, the step and the error. */
export function pluginFailure(rt: Runtime, p: Plugin, step: string, err: unknown): string {
  let name = '?';
  for (const [n, q] of rt.plugins) if (q === p) name = n;
  const category = rt.config.plugins[name]?.category ?? '?';
  return `plugins.${name} (${category}) failed in ${step}: ${errorMessage(err)}`;
}

/** HookFailure is a hook that threw: the plugin and what to log. */
export interface HookFailure {
  /** plugin is the plugin whose hook threw. */
  plugin: Plugin;
  /** detail is the log line (pluginFailure's). */
  detail: string;
}

/** LoggedRequest is what the log step needs of an exchange: the request context, the runtime, and where it was served. */
export interface LoggedRequest extends RequestContext {
  /** rt is the runtime the request ran on. */
  readonly rt: Runtime;
  /** requestId is the request's id, or empty. */
  requestId: string;
}

/** logHooks runs the `log` hooks once a response finished; one that throws is logged and the others still run. */
export function logHooks(ex: LoggedRequest, plugins: Plugin[]): void {
  for (const p of plugins) {
    try {
      p.log!(ex);
    } catch (err) {
      ex.rt.log.warn({ request_id: ex.requestId || undefined, server: ex.server, location: ex.location || undefined }, pluginFailure(ex.rt, p, 'log', err));
    }
  }
}

/** headHooks runs the `upstreamResponse` or `response` hooks on a head, returning the first that threw (the rest did not run). */
export function headHooks(ex: LoggedRequest, plugins: Plugin[], head: ResponseHead, upstream: boolean): HookFailure | undefined {
  let i = 0;
  try {
    for (; i < plugins.length; i++) if ((upstream ? plugins[i]!.upstreamResponse!(ex, head) : plugins[i]!.response!(ex, head)) === 'stop') break;
    return undefined;
  } catch (err) {
    return { plugin: plugins[i]!, detail: pluginFailure(ex.rt, plugins[i]!, upstream ? 'upstreamResponse' : 'response', err) };
  }
}
