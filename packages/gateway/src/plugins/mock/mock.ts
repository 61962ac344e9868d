import { setTimeout as sleep } from 'node:timers/promises';
import { parseHeaderLine } from '../../http1/headers.ts';
import { definePlugin, type PluginDefinition, type PluginResponse, type RequestContext } from '../plugin.ts';

/** mockPlugin answers requests itself with a fixed status, headers and body, optionally only for one path and after a delay. */
export const mockPlugin: PluginDefinition = definePlugin({
  category: 'mock',
  description: 'mock answers matching requests with a fixed response instead of proxying them.',
  fields: {
    status: { kind: 'integer', default: 200, min: 100, max: 599, doc: 'status is the response status code.' },
    headers: { kind: 'strings', default: [], doc: 'headers are `"Name:value"` response headers.' },
    data: { kind: 'string', default: '', doc: 'data is the response body.' },
    path: { kind: 'string', default: '', doc: 'path limits the mock to requests for exactly this path; empty answers every request of the location.' },
    delay: { kind: 'duration', default: '0s', doc: 'delay waits this long before answering (to simulate a slow upstream).' },
  },
  validate(options, path, issues) {
    for (const [i, h] of options.headers.entries()) {
      const parsed = parseHeaderLine(h);
      if (typeof parsed === 'string') issues.push({ path: `${path}.headers[${i}]`, message: parsed, hint: 'write headers as "Name:value"' });
    }
  },
  create(options) {
    const headers: Record<string, string | string[]> = {};
    for (const h of options.headers) {
      const p = parseHeaderLine(h);
      if (typeof p !== 'string') headers[p.lower] = p.value;
    }
    const body = Buffer.from(options.data);
    const answer: PluginResponse = { status: options.status, headers, body };
    const { path: only, delay } = options;
    return {
      request(ctx: RequestContext) {
        if (only && ctx.path !== only) return;
        if (delay > 0) return sleep(delay).then(() => ({ ...answer, headers: { ...headers } }));
        return { ...answer, headers: { ...headers } };
      },
    };
  },
});
