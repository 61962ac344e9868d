import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { mimeType } from '@etcd-monitor/core';

/** defaultWebDist is where `npm run build -w @etcd-monitor/web` writes the UI, next to this package in the repository. */
export const defaultWebDist: string = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.txt', '.map']);

interface CachedFile {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  mtimeMs: number;
}

/**
 * registerStatic serves the built web UI from distDir at `/`: files under `assets/` carry a content hash and are
 * cached for a year; index.html is never cached, so a new build shows up on the next load. Any other GET that is not
 * under `/api` gets index.html (the UI routes in the browser); unknown `/api` paths keep the API's JSON 404.
 */
export function registerStatic(app: FastifyInstance, distDir: string = defaultWebDist): void {
  // Idempotent: the API registers it, and the browser tests call it again on a built monitor.
  if (app.hasRoute({ method: 'GET', url: '/*' })) return;
  const root = normalize(distDir.endsWith(sep) ? distDir : distDir + sep);
  const cache = new Map<string, CachedFile>();

  // Files are read and gzipped once; the mtime check picks up a rebuild without a restart.
  const load = (file: string): CachedFile | null => {
    let st;
    try {
      st = statSync(file);
    } catch {
      return null;
    }
    if (!st.isFile()) return null;
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs) return hit;
    const body = readFileSync(file);
    const ext = extname(file);
    const f: CachedFile = {
      body,
      gzip: COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body, { level: 9 }) : null,
      type: mimeType(file),
      mtimeMs: st.mtimeMs,
    };
    cache.set(file, f);
    return f;
  };

  const send = (req: FastifyRequest, reply: FastifyReply, f: CachedFile, cacheControl: string) => {
    reply.header('content-type', f.type).header('cache-control', cacheControl).header('x-content-type-options', 'nosniff').header('vary', 'accept-encoding');
    if (f.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(f.gzip);
    return reply.send(f.body);
  };

  app.get('/*', { schema: { hide: true } }, async (req, reply) => {
    const path = decodeURIComponent(req.url.split('?')[0]!);
    if (path === '/api' || path.startsWith('/api/')) {
      return reply.status(404).send({ error: { code: 'MON_NOT_FOUND', message: `no route ${req.method} ${path}`, hint: 'see /api/docs for the API' } });
    }
    const file = normalize(join(root, path));
    if (file.startsWith(root) && path !== '/') {
      const f = load(file);
      if (f) return send(req, reply, f, path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      // A missing hashed asset is an old page asking for a replaced build: a 404, not index.html parsed as JS.
      if (path.startsWith('/assets/'))
        return reply
          .status(404)
          .header('cache-control', 'no-cache')
          .send({ error: { code: 'MON_NOT_FOUND', message: `no file ${path}`, hint: 'reload the page to get the current UI' } });
    }
    const index = load(join(root, 'index.html'));
    if (!index) {
      return reply
        .status(503)
        .header('content-type', 'text/plain; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(
          `The etcd-monitor web UI is not built (no ${join(root, 'index.html')}).\nRun: npm run build -w @etcd-monitor/web (npm ci does it), then reload. The API is at /api/v1 and /api/docs.\n`,
        );
    }
    return send(req, reply, index, 'no-cache');
  });
}

/** webDistExists tells whether a built UI is present in distDir. */
export function webDistExists(distDir: string = defaultWebDist): boolean {
  return existsSync(join(distDir, 'index.html'));
}
