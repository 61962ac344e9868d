import cluster from 'node:cluster';
import { readdirSync } from 'node:fs';
import { arch, availableParallelism, hostname, loadavg } from 'node:os';
import { formatBytes, formatDuration, versionInfo } from '@etcd-monitor/core';
import { definePlugin, type PluginDefinition, type RequestContext } from '../plugin.ts';

const started = Date.now();

/** openFiles counts this process's open file descriptors (Linux), or undefined where /proc is not there. */
function openFiles(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

/** statsPlugin answers one path with a JSON snapshot of the answering gateway process and the requests it counted. */
export const statsPlugin: PluginDefinition = definePlugin({
  category: 'stats',
  description: 'stats answers one path with JSON about the gateway process (uptime, memory, open files) and the requests through this plugin.',
  fields: {
    path: { kind: 'string', required: true, doc: 'path is the exact request path answered with the statistics, such as `/stats`.' },
  },
  validate(options, path, issues) {
    if (!options.path.startsWith('/')) issues.push({ path: `${path}.path`, message: `"${options.path}" is not a path`, hint: 'write a path starting with "/", such as "/stats"' });
  },
  create(options) {
    let processing = 0;
    let accepted = 0;
    const perLocation = new Map<string, { processing: number; accepted: number }>();
    const version = versionInfo();
    return {
      earlyRequest(ctx: RequestContext) {
        processing++;
        accepted++;
        let l = perLocation.get(ctx.location);
        if (!l) perLocation.set(ctx.location, (l = { processing: 0, accepted: 0 }));
        l.processing++;
        l.accepted++;
        ctx.state.statsCounted = true;
      },
      request(ctx: RequestContext) {
        if (ctx.path !== options.path) return;
        const mem = process.memoryUsage();
        const here = perLocation.get(ctx.location);
        const uptimeMs = Date.now() - started;
        const body = {
          processing,
          accepted,
          location_processing: here?.processing ?? 0,
          location_accepted: here?.accepted ?? 0,
          hostname: hostname(),
          version: version.version,
          node_version: process.version,
          pid: process.pid,
          worker: cluster.worker?.id ?? 0,
          start_time: Math.floor(started / 1000),
          uptime: formatDuration(uptimeMs),
          uptime_seconds: Math.floor(uptimeMs / 1000),
          memory_mb: Math.round(mem.rss / 1048576),
          memory: formatBytes(mem.rss),
          heap_used: formatBytes(mem.heapUsed),
          arch: arch(),
          cpus: availableParallelism(),
          load_average: loadavg(),
          fd_count: openFiles(),
        };
        return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(body) };
      },
      log(ctx: RequestContext) {
        if (ctx.state.statsCounted !== true) return;
        processing--;
        const l = perLocation.get(ctx.location);
        if (l) l.processing--;
      },
    };
  },
});
