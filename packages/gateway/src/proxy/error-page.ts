import { http } from '../node-http.ts';

const BUILTIN = `<!doctype html>
<html><head><meta charset="utf-8"><title>{{status}} {{reason}}</title>
<style>body{font-family:system-ui,sans-serif;margin:4rem auto;max-width:40rem;color:#333}small{color:#888}</style></head>
<body><h1>{{status}} {{reason}}</h1><p>{{message}}</p><small>request id: {{request_id}}</small></body></html>
`;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** errorPage renders the error template (or the built-in page), replacing `{{status}}`, `{{reason}}`, `{{message}}` and `{{request_id}}` with HTML-escaped values. */
export function errorPage(template: string | undefined, status: number, message: string, requestId: string): string {
  const values: Record<string, string> = { status: String(status), reason: http.STATUS_CODES[status] ?? '', message, request_id: requestId || '-' };
  return (template ?? BUILTIN).replace(/\{\{\s*(status|reason|message|request_id)\s*\}\}/g, (_, k: string) => escapeHtml(values[k]!));
}
