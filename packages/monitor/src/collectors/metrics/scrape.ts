import { AppError } from '@etcd-monitor/core';
import type { TlsOptions } from '@etcd-monitor/etcd';
import { StringDecoder } from 'node:string_decoder';
import { Agent, request, type Dispatcher } from 'undici';

/** DEFAULT_MAX_SCRAPE_BYTES caps a /metrics response (10 MiB); an etcd 3.4 member serves about 150 KB. */
export const DEFAULT_MAX_SCRAPE_BYTES = 10 * 1024 * 1024;

/** ScrapeOptions shape one scrape. */
export interface ScrapeOptions {
  /** tls is the CA, client certificate and key for `https://` URLs; ignored for `http://`. */
  tls?: TlsOptions;
  /** timeoutMs bounds the whole scrape: connect, TLS handshake, headers and body. */
  timeoutMs: number;
  /** maxBytes caps the response body (default DEFAULT_MAX_SCRAPE_BYTES). */
  maxBytes?: number;
  /** dispatcher reuses connections across scrapes (see createScrapeAgent); without it a TLS scrape uses a one-off agent. */
  dispatcher?: Dispatcher;
  /** signal aborts the scrape early, e.g. when the collector stops; the rejection is then MON_SCRAPE_ABORTED. */
  signal?: AbortSignal;
  /**
   * select filters the body as it arrives, applied to runs of whole lines (joined by newlines, no trailing one), and
   * must therefore decide line by line. With it the whole body never exists as one string: a 150 KB string lands in
   * V8's large-object space, which only a full GC reclaims, and that alone doubled the heap when scraping 100 members.
   */
  select?: (lines: string) => string;
}

/** ScrapeResult is one successful /metrics response. */
export interface ScrapeResult {
  /** text is the body, Prometheus text format. */
  text: string;
  /** bytes is the body size on the wire. */
  bytes: number;
  /** durationMs is the time from sending the request to the last body byte. */
  durationMs: number;
}

/**
 * createScrapeAgent returns an undici Agent holding the TLS material, one connection per origin, kept alive for
 * keepAliveMs so a scrape every few seconds does not pay a TCP and TLS handshake each time.
 */
export function createScrapeAgent(tls?: TlsOptions, keepAliveMs = 30_000): Agent {
  return new Agent({
    connections: 1,
    // etcd's Go server sends no Keep-Alive hint, so undici's 4 s default would drop the socket just before a 5 s scrape.
    keepAliveTimeout: keepAliveMs,
    keepAliveMaxTimeout: Math.max(keepAliveMs, 600_000),
    connect: tls ? { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !tls.insecureSkipVerify } : undefined,
  });
}

/** scrapeMetrics GETs a Prometheus /metrics URL within timeoutMs and returns the body, or throws AppError with a MON_SCRAPE_* code naming the URL. */
export async function scrapeMetrics(url: string, o: ScrapeOptions): Promise<ScrapeResult> {
  const parsed = checkUrl(url);
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_SCRAPE_BYTES;
  const ownAgent = o.dispatcher === undefined && parsed.protocol === 'https:' && o.tls !== undefined ? createScrapeAgent(o.tls) : undefined;
  const timeout = AbortSignal.timeout(o.timeoutMs);
  const signal = o.signal ? AbortSignal.any([timeout, o.signal]) : timeout;
  const t0 = performance.now();
  try {
    const res = await request(parsed, {
      method: 'GET',
      dispatcher: o.dispatcher ?? ownAgent,
      signal,
      // Ask for the text format explicitly: a newer exporter may otherwise negotiate OpenMetrics or protobuf.
      headers: { accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1' },
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
    });
    if (res.statusCode !== 200) {
      const snippet = await readSnippet(res.body);
      throw new AppError('MON_SCRAPE_HTTP_STATUS', `scraping ${url} answered HTTP ${res.statusCode}${snippet ? `: ${snippet}` : ''}`, {
        hint:
          res.statusCode === 404
            ? 'check the metrics URL path (etcd serves /metrics)'
            : res.statusCode === 401 || res.statusCode === 403
              ? 'the endpoint wants credentials: use --listen-metrics-urls (no auth) or a client certificate'
              : "check the member's log",
      });
    }
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      res.body.destroy();
      throw tooLarge(url, declared, maxBytes);
    }
    const chunks: Buffer[] = [];
    const selected: string[] = [];
    const decoder = new StringDecoder('utf8');
    let carry = '';
    let bytes = 0;
    for await (const chunk of res.body) {
      bytes += (chunk as Buffer).length;
      if (bytes > maxBytes) {
        res.body.destroy();
        throw tooLarge(url, bytes, maxBytes);
      }
      if (o.select === undefined) {
        chunks.push(chunk as Buffer);
        continue;
      }
      const text = carry + decoder.write(chunk as Buffer);
      const cut = text.lastIndexOf('\n');
      carry = cut < 0 ? text : text.slice(cut + 1);
      if (cut > 0) selected.push(o.select(text.slice(0, cut)));
    }
    const durationMs = performance.now() - t0;
    if (o.select === undefined) return { text: Buffer.concat(chunks, bytes).toString('utf8'), bytes, durationMs };
    carry += decoder.end();
    if (carry !== '') selected.push(o.select(carry));
    return { text: selected.filter((x) => x !== '').join('\n'), bytes, durationMs };
  } catch (err) {
    throw classify(err, url, o, timeout.aborted, o.signal?.aborted === true);
  } finally {
    if (ownAgent) void ownAgent.destroy().catch(() => {});
  }
}

function checkUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError('MON_SCRAPE_BAD_URL', `the metrics URL "${url}" is not a URL`, { hint: 'write it as http(s)://host:port/metrics' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new AppError('MON_SCRAPE_BAD_URL', `the metrics URL "${url}" must use http or https, not ${parsed.protocol}`, { hint: 'write it as http(s)://host:port/metrics' });
  }
  return parsed;
}

function tooLarge(url: string, bytes: number, maxBytes: number): AppError {
  return new AppError('MON_SCRAPE_TOO_LARGE', `scraping ${url} returned more than ${maxBytes} bytes (${bytes} so far)`, {
    hint: 'the URL may not be an etcd /metrics endpoint; raise the size cap only if it really is',
  });
}

async function readSnippet(body: AsyncIterable<unknown> & { destroy(): void }): Promise<string> {
  let text = '';
  try {
    for await (const chunk of body) {
      text += (chunk as Buffer).toString('utf8');
      if (text.length >= 200) break;
    }
  } catch {
    // The status code already says what went wrong; a broken error body adds nothing.
  }
  body.destroy();
  return text.slice(0, 200).replace(/\s+/g, ' ').trim();
}

const TLS_CODE = /CERT|SSL|TLS|EPROTO|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

function classify(err: unknown, url: string, o: ScrapeOptions, timedOut: boolean, aborted: boolean): AppError {
  if (err instanceof AppError) return err;
  const code = errCode(err);
  const message = opensslReason(err instanceof Error ? err.message : String(err));
  if (aborted && !timedOut) return new AppError('MON_SCRAPE_ABORTED', `scraping ${url} was cancelled`, { cause: err });
  if (timedOut || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new AppError('MON_SCRAPE_TIMEOUT', `scraping ${url} timed out after ${o.timeoutMs} ms`, {
      hint: 'the member may be frozen, overloaded or unreachable; raise the timeout only if it is merely slow',
      cause: err,
    });
  }
  if (code === 'ECONNREFUSED') {
    return new AppError('MON_SCRAPE_REFUSED', `scraping ${url}: connection refused`, {
      hint: 'is the member running, and does --listen-client-urls or --listen-metrics-urls cover this address?',
      cause: err,
    });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new AppError('MON_SCRAPE_DNS', `scraping ${url}: cannot resolve ${new URL(url).hostname}`, { hint: 'check the host name in the metrics URL', cause: err });
  }
  if (code !== undefined && TLS_CODE.test(code)) {
    return new AppError('MON_SCRAPE_TLS', `scraping ${url}: TLS failed: ${message} (${code})`, { hint: tlsHint(code, message, o), cause: err });
  }
  if (/certificate|handshake|alert/i.test(message)) {
    return new AppError('MON_SCRAPE_TLS', `scraping ${url}: TLS failed: ${message}`, { hint: tlsHint(code ?? '', message, o), cause: err });
  }
  // A TLS 1.3 server that wants a client certificate may just close the socket after the handshake instead of alerting.
  if (code === 'UND_ERR_SOCKET' && url.startsWith('https:') && o.tls?.cert === undefined) {
    return new AppError('MON_SCRAPE_TLS', `scraping ${url}: the server closed the connection after the TLS handshake (${message})`, {
      hint: 'the member probably requires a client certificate: give --cert and --key',
      cause: err,
    });
  }
  const plainToTls = url.startsWith('http://') ? '; if the member serves TLS on this port, use https://' : '';
  return new AppError('MON_SCRAPE_FAILED', `scraping ${url} failed: ${message}${code ? ` (${code})` : ''}`, {
    hint: `check that the URL points at the member's /metrics${plainToTls}`,
    cause: err,
  });
}

function tlsHint(code: string, message: string, o: ScrapeOptions): string {
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/i.test(message)) return 'the server speaks plain HTTP here: use http://';
  if (/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code))
    return o.tls?.ca ? "the CA given did not sign the server's certificate" : "give the CA that signed the member's certificate (--cacert)";
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'the server certificate does not name this host: scrape the name in its SANs';
  if (/certificate required|bad certificate|handshake failure/i.test(message) || /ALERT/.test(code)) {
    return o.tls?.cert
      ? "the member rejected the client certificate: check it is signed by the member's --trusted-ca-file"
      : 'the member requires a client certificate: give --cert and --key';
  }
  return 'check the CA, client certificate and key given for this cluster';
}

// OpenSSL messages read "<hex>:error:<code>:SSL routines:<function>:<reason>:<source file>…"; only the reason helps a user.
function opensslReason(message: string): string {
  const parts = message.split(':');
  return parts.length > 5 && parts[1] === 'error' ? parts[5]!.trim() : message.trim();
}

function errCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string' && c !== 'UND_ERR_SOCKET' && c !== 'UND_ERR_ABORTED') return c;
  }
  const top = (err as { code?: unknown } | null)?.code;
  return typeof top === 'string' ? top : undefined;
}
