import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isAppError } from '@etcd-monitor/core';
import { generateCerts, metricsDump, type TestCerts } from '@etcd-monitor/etcd/testing';
import { createScrapeAgent, scrapeMetrics } from './scrape.ts';

const FIXTURE = Buffer.from(metricsDump('t1'));

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function listen(server: http.Server | https.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const scheme = server instanceof https.Server ? 'https' : 'http';
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function rejectsWith(p: Promise<unknown>, code: string, check?: (e: Error & { hint?: string }) => void): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isAppError(err), `not an AppError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    check?.(err);
    return true;
  });
}

describe('scrapeMetrics over plain HTTP', () => {
  const routes = new Map<string, Handler>();
  const server = http.createServer((req, res) => (routes.get(req.url ?? '') ?? ((_q, r) => r.writeHead(404).end('404 page not found\n')))(req, res));
  let base = '';
  before(async () => {
    base = await listen(server);
  });
  after(() => close(server));

  routes.set('/metrics', (_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(FIXTURE));
  routes.set('/boom', (_req, res) => res.writeHead(500).end('internal error: something broke'));
  routes.set('/slow', (_req, res) => {
    const t = setTimeout(() => res.end(FIXTURE), 5_000);
    res.on('close', () => clearTimeout(t));
  });
  routes.set('/slow-body', (_req, res) => {
    res.writeHead(200);
    res.write('# a first line arrives quickly\n');
    const t = setTimeout(() => res.end(), 5_000);
    res.on('close', () => clearTimeout(t));
  });
  routes.set('/huge', (_req, res) => res.writeHead(200, { 'content-length': String(3 * FIXTURE.length) }).end(Buffer.concat([FIXTURE, FIXTURE, FIXTURE])));
  routes.set('/huge-chunked', (_req, res) => {
    res.writeHead(200);
    for (let i = 0; i < 3; i++) res.write(FIXTURE);
    res.end();
  });

  test('a 200 returns the body, its size and the time taken', async () => {
    const r = await scrapeMetrics(`${base}/metrics`, { timeoutMs: 2_000 });
    assert.equal(r.text, FIXTURE.toString('utf8'));
    assert.equal(r.bytes, FIXTURE.length);
    assert.ok(r.durationMs > 0 && r.durationMs < 2_000);
  });

  test('a shared agent reuses one connection across scrapes', async () => {
    const agent = createScrapeAgent();
    let connections = 0;
    const onConnection = () => connections++;
    server.on('connection', onConnection);
    try {
      for (let i = 0; i < 3; i++) await scrapeMetrics(`${base}/metrics`, { timeoutMs: 2_000, dispatcher: agent });
      assert.equal(connections, 1);
    } finally {
      server.off('connection', onConnection);
      await agent.close();
    }
  });

  test('a non-200 answer names the status and the body', async () => {
    await rejectsWith(scrapeMetrics(`${base}/boom`, { timeoutMs: 2_000 }), 'MON_SCRAPE_HTTP_STATUS', (e) => {
      assert.match(e.message, /\/boom answered HTTP 500: internal error: something broke/);
    });
    await rejectsWith(scrapeMetrics(`${base}/nope`, { timeoutMs: 2_000 }), 'MON_SCRAPE_HTTP_STATUS', (e) => {
      assert.match(e.hint!, /path/);
    });
  });

  test('a server that answers too late times out, within the timeout', async () => {
    for (const p of ['/slow', '/slow-body']) {
      const t0 = performance.now();
      await rejectsWith(scrapeMetrics(`${base}${p}`, { timeoutMs: 300 }), 'MON_SCRAPE_TIMEOUT', (e) => {
        assert.match(e.message, new RegExp(`${p} timed out after 300 ms`));
      });
      const took = performance.now() - t0;
      assert.ok(took >= 250 && took < 1_500, `${p} took ${took} ms`);
    }
  });

  test('an oversized body is cut off, announced or chunked', async () => {
    for (const p of ['/huge', '/huge-chunked']) {
      await rejectsWith(scrapeMetrics(`${base}${p}`, { timeoutMs: 2_000, maxBytes: 2 * FIXTURE.length }), 'MON_SCRAPE_TOO_LARGE', (e) => {
        assert.match(e.message, new RegExp(`${p} returned more than ${2 * FIXTURE.length} bytes`));
      });
    }
  });

  test('an aborted scrape says so', async () => {
    const ac = new AbortController();
    const p = scrapeMetrics(`${base}/slow`, { timeoutMs: 5_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await rejectsWith(p, 'MON_SCRAPE_ABORTED');
  });
});

test('a closed port is reported as refused, and a bad URL as such', async () => {
  const server = http.createServer();
  const base = await listen(server);
  await close(server);
  await rejectsWith(scrapeMetrics(`${base}/metrics`, { timeoutMs: 2_000 }), 'MON_SCRAPE_REFUSED', (e) => {
    assert.ok(e.message.includes(base), e.message);
    assert.match(e.hint!, /listen-metrics-urls/);
  });
  await rejectsWith(scrapeMetrics('127.0.0.1:2379/metrics', { timeoutMs: 2_000 }), 'MON_SCRAPE_BAD_URL');
  await rejectsWith(scrapeMetrics('not a url', { timeoutMs: 2_000 }), 'MON_SCRAPE_BAD_URL');
});

describe('scrapeMetrics over HTTPS', () => {
  let certs: TestCerts;
  let dir = '';
  let tlsServer: https.Server;
  let plain: http.Server;
  let tlsBase = '';
  let plainBase = '';
  let ca: Buffer;
  let cert: Buffer;
  let key: Buffer;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scrape-tls-'));
    certs = await generateCerts(dir);
    [ca, cert, key] = await Promise.all([certs.caFile, certs.certFile, certs.keyFile].map((f) => fs.readFile(f)));
    tlsServer = https.createServer(
      { ca, cert: await fs.readFile(certs.serverCertFile), key: await fs.readFile(certs.serverKeyFile), requestCert: true, rejectUnauthorized: true },
      (_req, res) => res.end(FIXTURE),
    );
    tlsBase = await listen(tlsServer);
    plain = http.createServer((_req, res) => res.end(FIXTURE));
    plainBase = await listen(plain);
  });
  after(async () => {
    await close(tlsServer);
    await close(plain);
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('the CA and client certificate are used', async () => {
    const r = await scrapeMetrics(`${tlsBase}/metrics`, { timeoutMs: 3_000, tls: { ca, cert, key } });
    assert.equal(r.bytes, FIXTURE.length);
  });

  test('an unknown CA is a TLS error that asks for --cacert', async () => {
    await rejectsWith(scrapeMetrics(`${tlsBase}/metrics`, { timeoutMs: 3_000, tls: { cert, key } }), 'MON_SCRAPE_TLS', (e) => {
      assert.match(e.hint!, /--cacert/);
    });
  });

  test('a missing client certificate is a TLS error that asks for one', async () => {
    await rejectsWith(scrapeMetrics(`${tlsBase}/metrics`, { timeoutMs: 3_000, tls: { ca } }), 'MON_SCRAPE_TLS', (e) => {
      assert.match(e.hint!, /client certificate/);
    });
  });

  test('https:// against a plain HTTP port says to use http://', async () => {
    await rejectsWith(scrapeMetrics(`${plainBase.replace('http:', 'https:')}/metrics`, { timeoutMs: 3_000, tls: { ca } }), 'MON_SCRAPE_TLS', (e) => {
      assert.match(e.hint!, /use http:\/\//);
    });
  });

  test('http:// against a TLS port fails with a hint to use https://', async () => {
    await assert.rejects(scrapeMetrics(`${tlsBase.replace('https:', 'http:')}/metrics`, { timeoutMs: 3_000 }), (err: unknown) => {
      assert.ok(isAppError(err), String(err));
      assert.match(err.hint ?? '', /https:\/\//, `${err.code}: ${err.message}`);
      return true;
    });
  });
});

test('select filters the body line by line as it streams in', async () => {
  // Chunks split lines (and a multi-byte character) anywhere; select must still see whole lines.
  const body = Buffer.from('keep 1\ndrop 2\nkeep_é 3\n'.repeat(20_000));
  const server = http.createServer((_req, res) => {
    res.writeHead(200);
    for (let i = 0; i < body.length; i += 7_777) res.write(body.subarray(i, i + 7_777));
    res.end();
  });
  const base = await listen(server);
  try {
    const seen: string[] = [];
    const r = await scrapeMetrics(`${base}/metrics`, {
      timeoutMs: 5_000,
      select: (lines) => {
        seen.push(lines);
        return lines
          .split('\n')
          .filter((l) => l.startsWith('keep'))
          .join('\n');
      },
    });
    assert.equal(r.bytes, body.length);
    assert.equal(r.text, 'keep 1\nkeep_é 3\n'.repeat(20_000).trimEnd());
    assert.ok(seen.length > 1, 'select ran once on the whole body');
  } finally {
    await close(server);
  }
});
