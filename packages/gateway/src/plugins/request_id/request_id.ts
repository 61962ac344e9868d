import { randomBytes, randomUUID } from 'node:crypto';
import { definePlugin, type PluginDefinition, type RequestContext, type ResponseHead, type UpstreamRequest } from '../plugin.ts';

const ALPHABET = 'useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict';
let pool = Buffer.alloc(0);
let poolOffset = 0;

/** nanoid returns a URL-safe random id of `size` characters. */
export function nanoid(size: number): string {
  // One randomBytes call per 4 KiB of ids keeps generation off the syscall path.
  if (poolOffset + size > pool.length) {
    pool = randomBytes(Math.max(4096, size));
    poolOffset = 0;
  }
  let id = '';
  for (let i = poolOffset; i < poolOffset + size; i++) id += ALPHABET[pool[i]! & 63];
  poolOffset += size;
  return id;
}

const SAFE_ID = /^[A-Za-z0-9._~:@+=/-]{1,200}$/;

/** requestIdPlugin gives every request an id: the client's (when trusted and well-formed) or a new one, sent upstream and back in the same header. */
export const requestIdPlugin: PluginDefinition = definePlugin({
  category: 'request_id',
  description: 'request_id assigns each request an id, forwards it upstream and returns it in the response; access logs print it as {request_id}.',
  fields: {
    header: { kind: 'string', default: 'X-Request-Id', aliases: ['header_name'], doc: 'header is the request and response header carrying the id.' },
    algorithm: { kind: 'string', default: 'uuid', oneOf: ['uuid', 'nanoid'], doc: 'algorithm generates new ids: `uuid` (v4) or `nanoid` (URL-safe, `size` characters).' },
    size: { kind: 'integer', default: 21, min: 8, max: 64, doc: 'size is the length of a `nanoid` id.' },
    trust_incoming: {
      kind: 'boolean',
      default: true,
      doc: 'trust_incoming keeps a well-formed id the client sent (1–200 characters of `A-Z a-z 0-9 . _ ~ : @ + = / -`) instead of generating one.',
    },
  },
  create(options) {
    const { header, size, trust_incoming: trust } = options;
    const lower = header.toLowerCase();
    const gen = options.algorithm === 'nanoid' ? () => nanoid(size) : randomUUID;
    return {
      earlyRequest(ctx: RequestContext) {
        const incoming = trust ? ctx.req.headers[lower] : undefined;
        ctx.requestId = typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : gen();
      },
      proxyUpstream(ctx: RequestContext, up: UpstreamRequest) {
        up.headers.set(header, ctx.requestId);
      },
      response(ctx: RequestContext, head: ResponseHead) {
        if (ctx.requestId) head.headers[lower] = ctx.requestId;
      },
    };
  },
});
