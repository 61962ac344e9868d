import { request, type Dispatcher } from 'undici';
import type { SendResult } from '../types.ts';

/** USER_AGENT identifies the monitor to receivers. */
export const USER_AGENT = 'etcd-monitor-alerting/1';

// Enough of an error body to explain a 4xx ("invalid_payload", "Event object is invalid") without logging pages of HTML.
const SNIPPET_BYTES = 300;

/** classifyStatus maps an HTTP status to a SendResult: 2xx ok; 408, 429 and 5xx retry; any other status is permanent. */
export function classifyStatus(status: number, detail = ''): SendResult {
  if (status >= 200 && status < 300) return { ok: true, retry: false, status };
  const retry = status === 408 || status === 429 || status >= 500;
  const error = `receiver answered HTTP ${status}${detail ? `: ${detail}` : ''}`;
  return { ok: false, retry, status, error };
}

// A secret URL leaks through its parts too: query values, the password, and long path segments (Slack's
// /services/T…/B…/<token>) each carry the credential.
function secretForms(s: string): string[] {
  const forms = [s, encodeURIComponent(s)];
  if (!/^https?:\/\//i.test(s)) return forms;
  try {
    const u = new URL(s);
    forms.push(...u.searchParams.values(), decodeURIComponent(u.password), ...u.pathname.split('/').filter((seg) => seg.length >= 8));
  } catch {
    // Not a URL after all: the whole value is still redacted.
  }
  return forms;
}

/** scrub replaces every secret value in text, and for a URL each part that may carry its token, with `[redacted]`. */
export function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  const forms = secrets.flatMap((s) => (s ? secretForms(s) : []));
  // Longest first, so a whole URL is replaced before its parts; short values would redact ordinary words.
  for (const f of [...new Set(forms)].filter((f) => f.length >= 4).sort((a, b) => b.length - a.length)) out = out.split(f).join('[redacted]');
  return out;
}

/** describeFailure turns a thrown transport error into a SendResult: aborts and network errors retry, bad arguments do not. */
export function describeFailure(err: unknown, signal: AbortSignal, secrets: readonly (string | undefined)[]): SendResult {
  if (signal.aborted) {
    const reason = signal.reason as { name?: string } | undefined;
    return { ok: false, retry: true, error: reason?.name === 'TimeoutError' ? 'timed out waiting for the receiver' : 'cancelled before the receiver answered' };
  }
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code ?? '';
  const message = e.cause?.message ?? e.message ?? String(err);
  // A malformed request is our bug or a bad config: sending it again cannot help.
  const permanent = code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_URL' || /certificate|CERT_|self.signed/i.test(`${code} ${message}`);
  return { ok: false, retry: !permanent, error: scrub(`${code ? `${code}: ` : ''}${message}`, secrets) };
}

/** PostOptions shape one JSON POST. */
export interface PostOptions {
  /** headers are added to content-type and user-agent (e.g. authorization). */
  headers?: Record<string, string>;
  /** signal aborts the request (the delivery timeout). */
  signal: AbortSignal;
  /** secrets are values to scrub from error text: tokens, passwords, the URL if it carries one. */
  secrets?: readonly (string | undefined)[];
  /** dispatcher overrides undici's global connection pool. */
  dispatcher?: Dispatcher;
}

/** postJson POSTs body as JSON to url and classifies the outcome; it never throws. */
export async function postJson(url: string, body: unknown, o: PostOptions): Promise<SendResult> {
  const secrets = o.secrets ?? [];
  try {
    const res = await request(url, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...o.headers },
      signal: o.signal,
      ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
    });
    const text = await readSnippet(res.body);
    return classifyStatus(res.statusCode, res.statusCode >= 300 ? scrub(text, secrets) : '');
  } catch (err) {
    return describeFailure(err, o.signal, secrets);
  }
}

async function readSnippet(body: Dispatcher.ResponseData['body']): Promise<string> {
  let text = '';
  try {
    for await (const chunk of body) {
      if (text.length < SNIPPET_BYTES) text += (chunk as Buffer).toString('utf8');
    }
  } catch {
    // The status is what matters; a body cut short only loses detail.
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, SNIPPET_BYTES);
}
