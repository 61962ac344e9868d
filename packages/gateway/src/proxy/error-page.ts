import { http } from '../http1/node-http.ts';

const BUILTIN = `<!doctype html>
<html><head><meta charset="utf-8"><title>{{status}} {{reason}}</title>
<style>body{font-family:system-ui,sans-serif;margin:4rem auto;max-width:40rem;color:#333}small{color:#888}</style></head>
<body><h1>{{status}} {{reason}}</h1><p>{{message}}</p><small>request id: {{request_id}}</small></body></html>
`;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// What an error page tells a client: what the status means for it, never why inside the gateway (that is logged).
const PUBLIC: Record<number, string> = {
  400: 'The request could not be understood.',
  404: 'Nothing is served at this address.',
  405: 'This method is not allowed here.',
  413: 'The request body is too large.',
  414: 'The request URI is too long.',
  431: 'The request headers are too large.',
  500: 'The gateway could not handle the request.',
  502: 'The upstream server did not give a valid answer.',
  503: 'No upstream server is available to answer.',
  504: 'The upstream server did not answer in time.',
};

/** publicMessage is the short text an error page gives for a status (empty for statuses without one). */
export function publicMessage(status: number): string {
  return PUBLIC[status] ?? '';
}

/** errorPage renders the error template (or the built-in page), replacing `{{status}}`, `{{reason}}`, `{{message}}` (a public text: see publicMessage) and `{{request_id}}` with HTML-escaped values. */
export function errorPage(template: string | undefined, status: number, message: string, requestId: string): string {
  const values: Record<string, string> = { status: String(status), reason: http.STATUS_CODES[status] ?? '', message, request_id: requestId || '-' };
  return (template ?? BUILTIN).replace(/\{\{\s*(status|reason|message|request_id)\s*\}\}/g, (_, k: string) => escapeHtml(values[k]!));
}
