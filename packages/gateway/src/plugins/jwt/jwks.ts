// A JWKS fetched from a URL and kept: refreshed when older than its TTL (in the background, the old keys serving
// meanwhile), refetched at once for a `kid` it does not know (at most once per cooldown), and kept when a fetch fails,
// so a signing-key rotation is picked up on the first token that needs it and an outage of the JWKS server does not
// stop tokens signed with a known key. jose's createRemoteJWKSet drops its keys once they are older than its max age
// and a refetch fails, which is the outage case this must survive.
import type { createLocalJWKSet, CryptoKey, JSONWebKeySet, JWTHeaderParameters, FlattenedJWSInput } from 'jose';
import { jose } from './jose.ts';
import type { KeyObject } from 'node:crypto';

/** JwksOptions say how a JWKS is fetched and kept. */
export interface JwksOptions {
  /** ttl is how long fetched keys count as fresh, in milliseconds. */
  ttl: number;
  /** timeout bounds one fetch, in milliseconds. */
  timeout: number;
  /** cooldown is the least time between two fetches, in milliseconds. */
  cooldown: number;
  /** maxBytes caps the JWKS document. */
  maxBytes?: number;
}

type LocalSet = ReturnType<typeof createLocalJWKSet>;
type Key = Awaited<ReturnType<LocalSet>>;

/** JwksUnavailableError means no key could be had: the JWKS was never fetched (the server is down or answers garbage). */
export class JwksUnavailableError extends Error {
  /** code names the failure for callers that map it to an answer. */
  readonly code = 'JWKS_UNAVAILABLE';
}

/** RemoteJwks is one JWKS URL's keys, fetched and cached as the file header says. */
export class RemoteJwks {
  readonly #url: string;
  readonly #opts: JwksOptions;
  #local: LocalSet | undefined;
  #fetchedAt = 0;
  #attemptedAt = -Infinity;
  #inflight: Promise<void> | undefined;
  #abort: AbortController | undefined;
  #closed = false;
  /** lastError is why the latest fetch failed (no secrets: a status or a network error name), or empty. */
  lastError = '';
  /** fetches counts fetch attempts (for tests and metrics). */
  fetches = 0;

  constructor(url: string, opts: JwksOptions) {
    this.#url = url;
    this.#opts = opts;
  }

  /** warm starts the first fetch without waiting for it. */
  warm(): void {
    void this.#refresh();
  }

  /** getKey resolves the key for a token's header, refetching once (within the cooldown) when its `kid` is unknown. */
  async getKey(header: JWTHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey | KeyObject | Uint8Array> {
    if (!this.#local) await this.#refresh();
    else if (Date.now() - this.#fetchedAt > this.#opts.ttl) void this.#refresh();
    const local = this.#local;
    if (!local) throw new JwksUnavailableError(`JWKS unavailable: ${this.lastError || 'not fetched yet'}`);
    try {
      return (await local(header, token)) as Key;
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw err;
      // An unknown kid may be a key the issuer has just rotated in.
      await this.#refresh();
      if (this.#local === local) throw err;
      return (await this.#local!(header, token)) as Key;
    }
  }

  /** close aborts a fetch in flight; nothing else is held (no timers: refreshes are driven by requests). */
  close(): void {
    this.#closed = true;
    this.#abort?.abort();
  }

  #refresh(): Promise<void> {
    if (this.#inflight) return this.#inflight;
    if (this.#closed || Date.now() - this.#attemptedAt < this.#opts.cooldown) return Promise.resolve();
    this.#attemptedAt = Date.now();
    this.#inflight = this.#fetch().finally(() => (this.#inflight = undefined));
    return this.#inflight;
  }

  async #fetch(): Promise<void> {
    this.fetches++;
    const abort = (this.#abort = new AbortController());
    const timer = setTimeout(() => abort.abort(), this.#opts.timeout);
    try {
      const res = await fetch(this.#url, { signal: abort.signal, headers: { accept: 'application/json, application/jwk-set+json' } });
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new Error(`HTTP status ${res.status}`);
      }
      const text = await readCapped(res, this.#opts.maxBytes ?? 1 << 20);
      const jwks = JSON.parse(text) as JSONWebKeySet;
      if (!jwks || !Array.isArray(jwks.keys)) throw new Error('the answer is not a JWKS (no "keys" array)');
      this.#local = jose().createLocalJWKSet(jwks);
      this.#fetchedAt = Date.now();
      this.lastError = '';
    } catch (err) {
      this.lastError = abort.signal.aborted ? `no answer within ${this.#opts.timeout} ms` : (err as Error).message;
    } finally {
      clearTimeout(timer);
      if (this.#abort === abort) this.#abort = undefined;
    }
  }
}

async function readCapped(res: Response, max: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
    if (n > max) {
      await reader.cancel();
      throw new Error(`the JWKS is larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
