// Counting in Redis, for limits shared by several gateways. Each decision is one Lua script run atomically in Redis on
// Redis's own clock (TIME), so gateways with skewed clocks or many workers count as one. ioredis sends the scripts by
// SHA (EVALSHA, EVAL once when Redis does not know them yet) and, with auto-pipelining, writes every command issued in
// one event-loop turn in one socket write. When Redis is unreachable a take fails at once (no queue that would hang
// requests) and the plugin's `fail_open` decides; ioredis reconnects with backoff and the first good reply ends the outage.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { Logger } from '../../observability/log.ts';
import { bucketView, rateView, type Decision, type LimitRule } from './counters.ts';
import type { CounterStore } from './store.ts';

/** REDIS_TIMEOUT_MS bounds one count in Redis; a Redis that does not answer in time counts as down. */
export const REDIS_TIMEOUT_MS = 500;

/** INFLIGHT_LEASE_MS is the longest an in-progress request counts in Redis, so the slots of a gateway that died come back. */
export const INFLIGHT_LEASE_MS = 300_000;

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// KEYS[1] base key; ARGV max, interval (ms). Returns allowed, prev, curr, elapsed.
const SLIDING = `${NOW}
local max = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local win = math.floor(now / interval)
local elapsed = now - win * interval
local ck = KEYS[1] .. ':' .. string.format('%d', win)
local prev = tonumber(redis.call('GET', KEYS[1] .. ':' .. string.format('%d', win - 1)) or '0')
local curr = tonumber(redis.call('GET', ck) or '0')
local allowed = 0
if prev * (interval - elapsed) / interval + curr < max then
  curr = redis.call('INCR', ck)
  if curr == 1 then redis.call('PEXPIRE', ck, interval * 2 + 1000) end
  allowed = 1
end
return {allowed, prev, curr, elapsed}`;

// KEYS[1] bucket; ARGV max, interval (ms), burst. Returns allowed, tokens left (a string: Lua numbers would be truncated).
const BUCKET = `${NOW}
local max = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(h[1]) or burst
local at = tonumber(h[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * max / interval)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', string.format('%d', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * interval / max) + 1000)
return {allowed, tostring(tokens)}`;

// KEYS[1] set of in-progress requests scored by start time; ARGV max, member, lease (ms). Returns allowed, count.
const INFLIGHT = `${NOW}
local lease = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - lease)
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[1]) then return {0, n} end
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], lease)
return {1, n + 1}`;

// ioredis costs a worker ~16 MB of RSS once loaded: it is required when a Redis-backed limit is built, not by every
// worker at start (the plugin registry imports this module whatever the config holds).
const loadRedis = (): typeof Redis => (createRequire(import.meta.url)('ioredis') as { Redis: typeof Redis }).Redis;

type Scripted = Redis & {
  limitSliding(key: string, max: number, interval: number): Promise<[number, number, number, number]>;
  limitBucket(key: string, max: number, interval: number, burst: number): Promise<[number, string]>;
  limitInflight(key: string, max: number, member: string, lease: number): Promise<[number, number]>;
};

/** redactUrl hides the password of a Redis URL for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** redisUrlProblem says what is wrong with a `redis` option, or undefined when it is a usable URL. */
export function redisUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${redactUrl(url)}" is not a URL`;
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') return `"${redactUrl(url)}" is not a redis:// or rediss:// URL`;
  if (!u.hostname) return `"${redactUrl(url)}" names no host`;
  const db = u.pathname.replace(/^\//, '');
  if (db && !/^\d{1,2}$/.test(db)) return `"${redactUrl(url)}" has a database "${db}" that is not a number`;
  return undefined;
}

/** RedisStore counts limits in one Redis server, shared by every gateway pointed at it. */
export class RedisStore implements CounterStore {
  /** url is the Redis URL (its password redacted in logs). */
  readonly url: string;
  private readonly redis: Scripted;
  /** log receives the outage lines: the logger of the plugin instance that acquired the store last (acquireRedis). */
  log: Logger;
  private readonly prefix: string;
  // The member of an inflight set must be unique across gateways: a random id per process plus a counter.
  private readonly instance = randomBytes(6).toString('base64url');
  private seq = 0;
  private down: string | undefined;
  private probing = false;

  constructor(url: string, log: Logger, prefix = 'gw:limit:') {
    this.url = url;
    this.log = log;
    this.prefix = prefix;
    const RedisClient = loadRedis();
    this.redis = new RedisClient(url, {
      // The queue holds only the first commands, until the connection is up: take() refuses at once while Redis is
      // known to be down, and commandTimeout bounds every other wait, so a request never hangs on Redis.
      enableOfflineQueue: true,
      maxRetriesPerRequest: 0,
      commandTimeout: REDIS_TIMEOUT_MS,
      connectTimeout: 2000,
      enableAutoPipelining: true,
      retryStrategy: (times) => Math.min(100 * times, 2000),
    }) as Scripted;
    this.redis.defineCommand('limitSliding', { numberOfKeys: 1, lua: SLIDING });
    this.redis.defineCommand('limitBucket', { numberOfKeys: 1, lua: BUCKET });
    this.redis.defineCommand('limitInflight', { numberOfKeys: 1, lua: INFLIGHT });
    // ioredis emits 'error' on every failed reconnect; without a listener it would be an uncaught exception.
    this.redis.on('error', (err: NodeJS.ErrnoException) => this.markDown(err.code ?? err.message));
    this.redis.on('ready', () => this.markUp());
  }

  /** take counts one request in Redis; it rejects at once while Redis is down and after REDIS_TIMEOUT_MS when it does not answer. */
  async take(key: string, rule: LimitRule): Promise<Decision> {
    if (this.down) throw new Error(`Redis ${redactUrl(this.url)} is unreachable (${this.down})`);
    // The hash tag keeps the sliding window's two keys in one slot, should the Redis be a cluster behind a proxy.
    const k = `${this.prefix}{${key}}`;
    try {
      if (rule.type === 'inflight') {
        const token = `${this.instance}:${++this.seq}`;
        const [allowed, n] = await this.redis.limitInflight(k, rule.max, token, INFLIGHT_LEASE_MS);
        return { allowed: allowed === 1, remaining: Math.max(0, rule.max - n), resetMs: 0, retryMs: 0, ...(allowed === 1 ? { token } : {}) };
      }
      if (rule.algorithm === 'token_bucket') {
        const [allowed, tokens] = await this.redis.limitBucket(k, rule.max, rule.interval, rule.burst);
        return bucketView(allowed === 1, Number(tokens), rule);
      }
      const [allowed, prev, curr, elapsed] = await this.redis.limitSliding(k, rule.max, rule.interval);
      return rateView(allowed === 1, prev, curr, elapsed, rule);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.message.includes('timed out')) this.markDown(`no answer within ${REDIS_TIMEOUT_MS} ms`);
      throw err;
    }
  }

  /** release ends an in-progress request; a Redis that is down forgets it when the lease ends. */
  release(key: string, token?: string): void {
    if (!token || this.down) return;
    this.redis.zrem(`${this.prefix}{${key}}`, token).catch(() => {});
  }

  /** close ends the connection. */
  close(): void {
    this.redis.disconnect();
  }

  private markDown(reason: string): void {
    if (this.down) return;
    this.down = reason;
    this.log.warn(
      { redis: redactUrl(this.url), reason },
      `limit: Redis ${redactUrl(this.url)} is unreachable (${reason}); limits counted there follow their fail_open setting until it answers again`,
    );
    this.probe();
  }

  private markUp(): void {
    if (!this.down) return;
    this.down = undefined;
    this.log.info({ redis: redactUrl(this.url) }, `limit: Redis ${redactUrl(this.url)} is back; limits count there again`);
  }

  // A Redis that stops answering without closing the connection (paused, overloaded) gives no 'ready' when it is back:
  // a PING once a second tells.
  private probe(): void {
    if (this.probing) return;
    this.probing = true;
    const tick = () => {
      if (!this.down) {
        this.probing = false;
        return;
      }
      if (this.redis.status === 'end') {
        this.probing = false;
        return;
      }
      this.redis.ping().then(
        () => this.markUp(),
        () => {},
      );
      setTimeout(tick, 1000).unref();
    };
    setTimeout(tick, 1000).unref();
  }
}

const shared = new Map<string, { store: RedisStore; users: number }>();

/**
 * acquireRedis returns the store of a Redis URL, shared by every plugin instance of this process that names it (a reload
 * builds the new instance before closing the old, so the connection carries over); `releaseRedis` gives it back.
 */
export function acquireRedis(url: string, log: Logger): RedisStore {
  let s = shared.get(url);
  if (!s) shared.set(url, (s = { store: new RedisStore(url, log), users: 0 }));
  // A reload acquires before the old instance releases: the lines name the entry of the config now live.
  s.store.log = log;
  s.users++;
  return s.store;
}

/** releaseRedis gives back a store from `acquireRedis`; the last user closes its connection. */
export function releaseRedis(url: string): void {
  const s = shared.get(url);
  if (!s || --s.users > 0) return;
  shared.delete(url);
  s.store.close();
}
