// The API reference as one HTML page, rendered on the server from the OpenAPI document: no script, no CDN, no assets,
// so it works offline and under a strict Content-Security-Policy, and it cannot drift from the JSON it is made from.

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  required?: string[];
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  maxItems?: number;
  $ref?: string;
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string; schema?: Schema }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}

/** OpenApiDocument is the part of an OpenAPI 3 document the page shows. */
export interface OpenApiDocument {
  info?: { title?: string; version?: string; description?: string };
  paths?: Record<string, Record<string, Operation>>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function typeOf(s: Schema | undefined): string {
  if (!s) return '';
  if (s.$ref) return s.$ref.split('/').pop() ?? 'object';
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const t = Array.isArray(s.type) ? s.type.join(' | ') : s.type;
  if (t === 'array') return `${typeOf(s.items) || 'any'}[]`;
  if (t === 'object' || (!t && s.properties)) {
    const keys = Object.keys(s.properties ?? {});
    if (keys.length) return `{ ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', …' : ''} }`;
    if (s.additionalProperties && typeof s.additionalProperties === 'object') return `{ [key]: ${typeOf(s.additionalProperties)} }`;
    return 'object';
  }
  return t ?? 'any';
}

function limits(s: Schema | undefined): string {
  if (!s) return '';
  const out: string[] = [];
  if (s.default !== undefined) out.push(`default ${JSON.stringify(s.default)}`);
  if (s.minimum !== undefined) out.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) out.push(`≤ ${s.maximum}`);
  if (s.maxLength !== undefined) out.push(`≤ ${s.maxLength} chars`);
  if (s.maxItems !== undefined) out.push(`≤ ${s.maxItems} items`);
  return out.join(', ');
}

function fieldsTable(rows: Array<{ name: string; where?: string; required?: boolean; schema?: Schema; description?: string }>): string {
  if (rows.length === 0) return '';
  const body = rows
    .map(
      (r) =>
        `<tr><td><code>${esc(r.name)}</code>${r.required ? ' <span class="req">required</span>' : ''}</td>${r.where !== undefined ? `<td>${esc(r.where)}</td>` : ''}<td><code>${esc(typeOf(r.schema))}</code></td><td>${esc(r.description ?? r.schema?.description ?? '')}${limits(r.schema) ? ` <span class="dim">(${esc(limits(r.schema))})</span>` : ''}</td></tr>`,
    )
    .join('');
  return `<table><thead><tr><th>name</th>${rows[0]!.where !== undefined ? '<th>in</th>' : ''}<th>type</th><th>meaning</th></tr></thead><tbody>${body}</tbody></table>`;
}

function operationHtml(method: string, path: string, op: Operation): string {
  const id = `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, '-');
  const params = fieldsTable(
    (op.parameters ?? []).map((p) => ({
      name: p.name,
      where: p.in,
      required: p.required ?? false,
      ...(p.schema ? { schema: p.schema } : {}),
      ...(p.description ? { description: p.description } : {}),
    })),
  );
  const body = op.requestBody?.content?.['application/json']?.schema;
  const bodyRows = body?.properties ? Object.entries(body.properties).map(([name, schema]) => ({ name, required: body.required?.includes(name) ?? false, schema })) : [];
  const responses = Object.entries(op.responses ?? {})
    .map(([code, r]) => {
      const schema = r.content?.['application/json']?.schema;
      return `<li><code>${esc(code)}</code> ${esc(r.description ?? '')}${schema ? ` <code>${esc(typeOf(schema))}</code>` : ''}</li>`;
    })
    .join('');
  return `<section class="op" id="${esc(id)}">
<h3><a href="#${esc(id)}"><span class="m m-${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></a></h3>
${op.summary ? `<p>${esc(op.summary)}</p>` : ''}${op.description ? `<p class="dim">${esc(op.description)}</p>` : ''}
${params ? `<h4>Parameters</h4>${params}` : ''}
${body ? `<h4>Body</h4>${body.description ? `<p class="dim">${esc(body.description)}</p>` : ''}${bodyRows.length ? fieldsTable(bodyRows) : `<p><code>${esc(typeOf(body))}</code></p>`}` : ''}
${responses ? `<h4>Responses</h4><ul>${responses}</ul>` : ''}
</section>`;
}

/** renderDocsPage renders an OpenAPI document as a self-contained HTML page, grouped by tag, with a link to the JSON. */
export function renderDocsPage(doc: OpenApiDocument, jsonUrl: string): string {
  const groups = new Map<string, string[]>();
  let count = 0;
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'other';
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag)!.push(operationHtml(method, path, op));
      count++;
    }
  }
  const tags = [...groups.keys()];
  const title = `${doc.info?.title ?? 'API'} ${doc.info?.version ?? ''}`.trim();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
:root{color-scheme:light dark;--fg:#1a1b1e;--dim:#5c5f66;--bg:#fff;--line:#dee2e6;--code:#f1f3f5}
@media (prefers-color-scheme:dark){:root{--fg:#e9ecef;--dim:#a6a7ab;--bg:#1a1b1e;--line:#373a40;--code:#25262b}}
body{font:15px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1100px;padding:1rem 1.5rem 4rem}
a{color:inherit}code{font:13px ui-monospace,monospace;background:var(--code);padding:0 .25em;border-radius:3px}
nav a{margin-right:.8em}.dim{color:var(--dim)}.req{color:#c92a2a;font-size:12px}
.op{border-top:1px solid var(--line);padding:.4rem 0 .6rem}.op h3{margin:.4rem 0;font-size:16px}.op h3 a{text-decoration:none}
h4{margin:.6rem 0 .2rem;font-size:13px;text-transform:uppercase;color:var(--dim)}
table{border-collapse:collapse;width:100%;font-size:14px}td,th{border-bottom:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
.m{display:inline-block;min-width:4.2em;font:bold 12px ui-monospace,monospace;padding:.1em .4em;border-radius:3px;color:#fff;text-align:center}
.m-get{background:#1971c2}.m-post{background:#2f9e44}.m-put{background:#e67700}.m-patch{background:#e67700}.m-delete{background:#c92a2a}
</style></head><body>
<h1>${esc(title)}</h1>
${doc.info?.description ? `<p>${esc(doc.info.description)}</p>` : ''}
<p class="dim">${count} operations. The same as OpenAPI 3 JSON: <a href="${esc(jsonUrl)}"><code>${esc(jsonUrl)}</code></a>. Errors are <code>{"error": {"code", "message", "field"?, "hint"?}}</code>.</p>
<nav>${tags.map((t) => `<a href="#tag-${esc(t)}">${esc(t)}</a>`).join('')}</nav>
${tags.map((t) => `<h2 id="tag-${esc(t)}">${esc(t)}</h2>${groups.get(t)!.join('\n')}`).join('\n')}
</body></html>
`;
}
