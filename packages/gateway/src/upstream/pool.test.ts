// H1Pool against a real upstream server: the connection contract the proxy relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { H1Pool, UPSTREAM_CODES, sweepPeriod, type DispatchController, type DispatchHandler, type UpstreamError } from './pool.ts';
import { startRawUpstream, waitFor } from '../test-helpers.ts';

/** get dispatches a GET and resolves with the status and body length, or the error code; `onData` runs on each chunk. */
function get(pool: H1Pool, onData?: (c: DispatchController) => void): Promise<{ status: number; bytes: number } | { error: string }> {
  return new Promise((resolve) => {
    let status = 0;
    let bytes = 0;
    const h: DispatchHandler = {
      onResponseStart: (_c, s) => (status = s),
      onResponseData: (c, chunk) => {
        bytes += chunk.length;
        onData?.(c);
      },
      onResponseEnd: () => resolve({ status, bytes }),
      onResponseError: (_c, err: UpstreamError) => resolve({ error: err.code ?? err.message }),
    };
    pool.dispatch({ upstreamMethod: 'GET', upstreamPath: '/', upstreamHeaders: [] }, h);
  });
}

test('a connection paused by its handler (backpressure) and then finished serves the next request', async (t) => {
  const up = await startRawUpstream(`HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n${'z'.repeat(1000)}`);
  const pool = new H1Pool({ host: '127.0.0.1', port: up.port, connections: 1, connectTimeout: 1000, headersTimeout: 1000, bodyTimeout: 1000, keepAliveTimeout: 5000 });
  t.after(async () => {
    await pool.destroy();
    up.close();
  });
  // The handler pauses on the last chunk, as the proxy does when the client's buffer is full, and its resume comes after
  // the response has ended — too late for that exchange. The connection must still read for the next one.
  assert.deepEqual(await get(pool, (c) => c.pause()), { status: 200, bytes: 1000 });
  assert.deepEqual(await get(pool), { status: 200, bytes: 1000 }, 'the second request on the same connection was answered');
  assert.equal(pool.connections, 1, 'the connection was reused');
});

test('a request waiting for a connection (max_connections) gives up after the connect timeout, as a connect timeout', async (t) => {
  // A server that accepts and never answers keeps the one connection busy; before, the queued request waited forever.
  const silent = net.createServer((s) => {
    s.on('error', () => {});
    s.resume();
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const pool = new H1Pool({
    host: '127.0.0.1',
    port: (silent.address() as net.AddressInfo).port,
    connections: 1,
    connectTimeout: 300,
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
    keepAliveTimeout: 5000,
  });
  t.after(async () => {
    await pool.destroy();
    silent.close();
  });
  void get(pool);
  const queued = await Promise.race([
    get(pool),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the queued request was still waiting after 10 s')), 10_000).unref()),
  ]);
  assert.deepEqual(queued, { error: 'GW_UPSTREAM_CONNECT_TIMEOUT' });
  assert.equal(pool.queue.length, 0);
});

test('a handler hears nothing from the pool once its exchange ended or failed (onRead included): it may serve another dispatch', async (t) => {
  // The proxy reuses a handler for a retry and for the next request of its client connection (ProxyHandler.renew); an
  // onRead for the read that ended the last exchange would reach the next one. Before, it came after onResponseEnd.
  const up = await startRawUpstream('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
  const pool = new H1Pool({ host: '127.0.0.1', port: up.port, connections: 1, connectTimeout: 1000, headersTimeout: 1000, bodyTimeout: 1000, keepAliveTimeout: 5000 });
  const refused = new H1Pool({ host: '127.0.0.1', port: 1, connections: 1, connectTimeout: 1000, headersTimeout: 1000, bodyTimeout: 1000, keepAliveTimeout: 5000 });
  t.after(async () => {
    await pool.destroy();
    await refused.destroy();
    up.close();
  });
  const run = (p: H1Pool): Promise<string[]> =>
    new Promise((resolve) => {
      const events: string[] = [];
      let ended = false;
      const h: DispatchHandler = {
        onRequestStart: () => events.push('start'),
        onResponseStart: (_c, s) => events.push(`head ${s}`),
        onResponseData: (_c, chunk) => events.push(`data ${chunk.length}`),
        onRead: () => events.push('read'),
        onResponseEnd: () => {
          events.push('end');
          ended = true;
        },
        onResponseError: (_c, err: UpstreamError) => {
          events.push(`error ${err.code}`);
          ended = true;
        },
      };
      p.dispatch({ upstreamMethod: 'GET', upstreamPath: '/', upstreamHeaders: [] }, h);
      // Whatever the pool would still call comes within the read (or the close) that ended the exchange.
      const wait = () => (ended ? setTimeout(() => resolve(events), 50) : setTimeout(wait, 5));
      wait();
    });
  for (let i = 0; i < 3; i++) assert.deepEqual(await run(pool), ['start', 'head 200', 'data 5', 'end'], `request ${i + 1}`);
  assert.deepEqual(await run(refused), ['error ECONNREFUSED']);
});

test('the deadline sweep slows to once a second while only idle connections are pooled, and a request brings it back with its timeouts', async (t) => {
  // One upstream that answers the first request on a connection and never the second: the second must still time out.
  let n = 0;
  const up = net.createServer((s) => {
    s.on('error', () => {});
    s.on('data', () => {
      if (n++ === 0) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
  });
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
  const pool = new H1Pool({
    host: '127.0.0.1',
    port: (up.address() as net.AddressInfo).port,
    connections: 1,
    connectTimeout: 1000,
    headersTimeout: 300,
    bodyTimeout: 300,
    keepAliveTimeout: 60_000,
  });
  t.after(async () => {
    await pool.destroy();
    up.close();
  });
  assert.deepEqual(await get(pool), { status: 200, bytes: 2 });
  assert.equal(pool.connections, 1, 'the connection waits in the pool');
  // Nothing in flight: the sweep that watches the idle connection's keep-alive deadline no longer runs every 50 ms
  // (before: it did for as long as any connection was pooled, waking an idle worker 20 times a second).
  await waitFor(() => sweepPeriod() === 1000, 10_000, 'the idle sweep period');
  const second = get(pool);
  assert.equal(sweepPeriod(), 50, 'a request in flight is swept every 50 ms again');
  assert.deepEqual(await second, { error: UPSTREAM_CODES.headersTimeout });
});
