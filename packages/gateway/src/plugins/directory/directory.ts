import { createReadStream, type Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { mimeType } from '@etcd-monitor/core';
import { parseHeaderLine } from '../../http1/headers.ts';
import { definePlugin, type PluginDefinition, type PluginResponse, type RequestContext } from '../plugin.ts';

/** ByteRange is an inclusive byte range of a file. */
export interface ByteRange {
  /** start is the first byte. */
  start: number;
  /** end is the last byte (inclusive). */
  end: number;
}

/**
 * parseRange reads a `Range: bytes=…` header for a file of `size` bytes: the first range of `a-b`, `a-` or `-n`;
 * `'unsatisfiable'` when it lies past the end, undefined when the header is absent or not a bytes range (the whole file).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const m = header === undefined ? null : /^bytes=\s*(\d*)\s*-\s*(\d*)\s*(?:,.*)?$/.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** etagOf is the weak validator of a file: its size and modification time, as pingap writes it. */
function etagOf(st: Stats): string {
  return `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs / 1000).toString(16)}"`;
}

/** notModified tells whether an If-None-Match header names the current ETag (weak comparison, `*` included). */
function notModified(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v.replace(/^W\//, '') === bare;
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** directoryPlugin serves static files from a folder: index files, ranges, ETag revalidation, and no path outside the folder. */
export const directoryPlugin: PluginDefinition = definePlugin({
  category: 'directory',
  description: 'directory serves static files from a folder, with an index file, byte ranges, ETag revalidation and an optional listing.',
  fields: {
    path: { kind: 'string', required: true, doc: 'path is the folder served; `~/` is the home directory, a relative path starts at the working directory of the gateway.' },
    index: { kind: 'string', default: 'index.html', doc: 'index is the file served for a folder (`/` and any path ending in `/`).' },
    autoindex: { kind: 'boolean', default: false, doc: 'autoindex lists a folder that has no index file as an HTML page (dot files left out).' },
    chunk_size: { kind: 'size', default: '64kb', min: 4096, doc: 'chunk_size is the read size when streaming a file.' },
    max_age: {
      kind: 'duration',
      default: '0s',
      doc: 'max_age sets Cache-Control max-age on files other than HTML (`0s`: no Cache-Control), so hashed assets are cached and the page shell stays fresh.',
    },
    private: { kind: 'boolean', default: false, doc: 'private makes that Cache-Control `private` (browsers only, not shared caches).' },
    charset: { kind: 'string', default: 'utf-8', doc: 'charset is appended to text content types.' },
    download: { kind: 'boolean', default: false, doc: 'download adds Content-Disposition: attachment, so browsers save files instead of showing them.' },
    follow_symlinks: { kind: 'boolean', default: false, doc: 'follow_symlinks serves symbolic links that point outside the folder; off, such links get 404.' },
    headers: { kind: 'strings', default: [], doc: 'headers are `"Name: value"` headers added to every file answer.' },
  },
  validate(options, path, issues) {
    options.headers.forEach((h, i) => {
      if (typeof parseHeaderLine(h) === 'string') issues.push({ path: `${path}.headers[${i}]`, message: `"${h}" is not "Name: value"`, hint: 'write headers as "Name: value"' });
    });
    if (options.index.includes('/')) issues.push({ path: `${path}.index`, message: 'is a file name, not a path', hint: 'write a name such as "index.html"' });
  },
  create(options) {
    const base = options.path.startsWith('~/') ? join(homedir(), options.path.slice(2)) : resolve(options.path);
    const extra: Record<string, string> = {};
    for (const h of options.headers) {
      const p = parseHeaderLine(h);
      if (typeof p !== 'string') extra[p.lower] = p.value;
    }
    let rootReal: Promise<string> | undefined;
    const notFound = (): PluginResponse => ({ status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Not Found' });

    /** locate maps a request path onto a file under the folder, or undefined when it would leave the folder. */
    async function locate(urlPath: string): Promise<string | undefined> {
      let decoded: string;
      try {
        decoded = decodeURIComponent(urlPath);
      } catch {
        return undefined;
      }
      // The gateway normalized the path already; a NUL, a backslash or a dot segment here is an attack, not a file name.
      if (decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').some((s) => s === '..' || s === '.')) return undefined;
      const file = join(base, decoded);
      if (file !== base && !file.startsWith(base + sep)) return undefined;
      if (options.follow_symlinks) return file;
      rootReal ??= realpath(base);
      const [root, real] = await Promise.all([rootReal, realpath(file).catch(() => undefined)]);
      if (real === undefined) return file; // absent: stat below answers 404
      return real === root || real.startsWith(root + sep) ? file : undefined;
    }

    async function listing(dir: string, urlPath: string): Promise<PluginResponse> {
      const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name));
      const prefix = urlPath.endsWith('/') ? urlPath : `${urlPath}/`;
      const items = entries.map((e) => {
        const name = e.isDirectory() ? `${e.name}/` : e.name;
        return `<li><a href="${escapeHtml(prefix + encodeURIComponent(e.name) + (e.isDirectory() ? '/' : ''))}">${escapeHtml(name)}</a></li>`;
      });
      const title = escapeHtml(urlPath);
      const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Index of ${title}</title></head><body><h1>Index of ${title}</h1><ul>${items.join('')}</ul></body></html>`;
      return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }, body };
    }

    async function serve(ctx: RequestContext): Promise<PluginResponse> {
      let file = await locate(ctx.path);
      if (file === undefined) return notFound();
      let st = await stat(file).catch(() => undefined);
      if (st?.isDirectory()) {
        if (!ctx.path.endsWith('/')) return { status: 301, headers: { location: `${ctx.path}/${ctx.query}` } };
        const index = join(file, options.index);
        const ist = await stat(index).catch(() => undefined);
        if (ist?.isFile()) [file, st] = [index, ist];
        else if (options.autoindex) return listing(file, ctx.path);
        else return notFound();
      }
      if (!st?.isFile()) return notFound();
      let type = mimeType(file);
      if (options.charset !== 'utf-8' && type.includes('charset=')) type = type.replace(/charset=[^;]+/, `charset=${options.charset}`);
      const etag = etagOf(st);
      const headers: Record<string, string> = { ...extra, 'content-type': type, etag, 'last-modified': st.mtime.toUTCString(), 'accept-ranges': 'bytes' };
      if (options.max_age > 0 && !type.startsWith('text/html'))
        headers['cache-control'] = `${options.private ? 'private' : 'public'}, max-age=${Math.floor(options.max_age / 1000)}`;
      if (options.download) headers['content-disposition'] = `attachment; filename*=UTF-8''${encodeURIComponent(file.slice(file.lastIndexOf(sep) + 1))}`;
      const inm = ctx.req.headers['if-none-match'];
      if (notModified(typeof inm === 'string' ? inm : undefined, etag)) return { status: 304, headers };
      const rangeHeader = ctx.req.headers.range;
      const ifRange = ctx.req.headers['if-range'];
      // A Range with an If-Range that no longer names this version gets the whole file, as RFC 9110 says.
      const range = ifRange !== undefined && ifRange !== etag ? undefined : parseRange(typeof rangeHeader === 'string' ? rangeHeader : undefined, st.size);
      if (range === 'unsatisfiable') return { status: 416, headers: { ...headers, 'content-range': `bytes */${st.size}` } };
      const { start, end } = range ?? { start: 0, end: st.size - 1 };
      headers['content-length'] = String(st.size === 0 ? 0 : end - start + 1);
      if (range) headers['content-range'] = `bytes ${start}-${end}/${st.size}`;
      const status = range ? 206 : 200;
      if (ctx.method === 'HEAD' || st.size === 0) return { status, headers, body: '' };
      return { status, headers, body: createReadStream(file, { start, end, highWaterMark: options.chunk_size }) };
    }

    return {
      async request(ctx: RequestContext) {
        if (ctx.method !== 'GET' && ctx.method !== 'HEAD')
          return { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }, body: 'Method Not Allowed' };
        return serve(ctx);
      },
    };
  },
});
