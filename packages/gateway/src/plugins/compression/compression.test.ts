import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@etcd-monitor/core/testing';
import { gatewayBin, startUpstream, useGateway } from '../../test-helpers.ts';
import { chooseEncoding, zstdAvailable, type Encoding } from './compression.ts';

/** get sends one request and returns the status, headers and raw (still encoded) body. */
function get(port: number, path: string, headers: http.OutgoingHttpHeaders = {}, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; raw: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .request({ host: '127.0.0.1', port, path, headers, method, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, raw: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject)
      .end();
  });
}

function decode(enc: string | undefined, raw: Buffer): string {
  if (enc === 'gzip') return zlib.gunzipSync(raw).toString();
  if (enc === 'br') return zlib.brotliDecompressSync(raw).toString();
  if (enc === 'zstd') return (zlib as unknown as { zstdDecompressSync(b: Buffer): Buffer }).zstdDecompressSync(raw).toString();
  return raw.toString();
}

const JSON_BODY = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b', 'c'] })) });

test('Accept-Encoding q-values pick the coding; q=0 refuses it; ties go to zstd, brotli, gzip', () => {
  const all = new Set<Encoding>(['zstd', 'br', 'gzip']);
  assert.equal(chooseEncoding('gzip, deflate, br', all), 'br');
  assert.equal(chooseEncoding('gzip;q=1, br;q=0.5', all), 'gzip');
  assert.equal(chooseEncoding('br;q=0, gzip;q=0.1', all), 'gzip');
  assert.equal(chooseEncoding('*;q=0.5, gzip;q=0', new Set<Encoding>(['gzip'])), undefined);
  assert.equal(chooseEncoding('*', new Set<Encoding>(['gzip', 'br'])), 'br');
  assert.equal(chooseEncoding('identity', all), undefined);
  assert.equal(chooseEncoding('x-gzip', all), 'gzip');
  assert.equal(chooseEncoding('GZIP ; Q=0.8 , zstd;q=0.9', all), 'zstd');
  assert.equal(chooseEncoding(undefined, all), undefined);
  assert.equal(chooseEncoding('gzip;q=abc', all), undefined, 'an unreadable q-value is not taken as acceptance');
});

test('compression: the best accepted coding, Vary, min_length, content types, never twice, no-transform, HEAD', async (t) => {
  const up = await startUpstream('up', (req, res) => {
    const type = req.url === '/png' ? 'image/png' : req.url === '/none' ? undefined : 'application/json; charset=utf-8';
    const headers: Record<string, string> = { 'content-length': String(Buffer.byteLength(req.url === '/small' ? '{}' : JSON_BODY)), etag: '"v1"' };
    if (type) headers['content-type'] = type;
    if (req.url === '/gzipped') {
      const gz = zlib.gzipSync(JSON_BODY);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(gz.length) });
      return res.end(gz);
    }
    if (req.url === '/no-transform') headers['cache-control'] = 'public, no-transform';
    if (req.url === '/vary') headers.vary = 'Origin';
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : req.url === '/small' ? '{}' : JSON_BODY);
  });
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.compress]
category = "compression"
gzip_level = 6
br_level = 5
zstd_level = 3
min_length = "1KiB"
[locations.l]
upstream = "up"
plugins = ["compress"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
  );
  const port = gw.port('main');
  const cases: [string, string | undefined][] = [
    ['gzip', 'gzip'],
    ['gzip;q=0.5, br', 'br'],
    ['gzip, br;q=0.9, zstd;q=0.9', 'gzip'],
    ['zstd, br, gzip', zstdAvailable ? 'zstd' : 'br'],
    ['identity', undefined],
    ['gzip;q=0', undefined],
  ];
  for (const [accept, want] of cases) {
    const r = await get(port, '/json', { 'accept-encoding': accept });
    assert.equal(r.headers['content-encoding'], want, accept);
    assert.equal(r.headers.vary, 'Accept-Encoding', accept);
    assert.equal(decode(want, r.raw), JSON_BODY, accept);
    if (want) {
      assert.equal(r.headers['content-length'], undefined, 'the length of the identity body is dropped');
      assert.equal(r.headers['transfer-encoding'], 'chunked');
      assert.ok(r.raw.length < JSON_BODY.length / 4, `${want}: ${r.raw.length} bytes of ${JSON_BODY.length}`);
      assert.equal(r.headers.etag, 'W/"v1"', 'a strong ETag becomes weak');
    } else assert.equal(r.headers.etag, '"v1"');
  }
  const small = await get(port, '/small', { 'accept-encoding': 'gzip' });
  assert.equal(small.headers['content-encoding'], undefined, 'below min_length');
  assert.equal(small.raw.toString(), '{}');
  for (const path of ['/png', '/none']) assert.equal((await get(port, path, { 'accept-encoding': 'gzip' })).headers['content-encoding'], undefined, path);
  assert.equal((await get(port, '/png', { 'accept-encoding': 'gzip' })).headers.vary, undefined, 'types never compressed do not vary');
  const gz = await get(port, '/gzipped', { 'accept-encoding': 'gzip, br' });
  assert.equal(gz.headers['content-encoding'], 'gzip', 'an encoded response is not encoded twice');
  assert.equal(zlib.gunzipSync(gz.raw).toString(), JSON_BODY);
  assert.equal((await get(port, '/no-transform', { 'accept-encoding': 'gzip' })).headers['content-encoding'], undefined);
  assert.equal((await get(port, '/vary', { 'accept-encoding': 'gzip' })).headers.vary, 'Origin, Accept-Encoding');
  const head = await get(port, '/json', { 'accept-encoding': 'gzip' }, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.raw.length, 0);
});

test('compression: a streamed (chunked) upstream response is compressed as it flows, not once it ended', async (t) => {
  let second: () => void = () => {};
  const up = await startUpstream('up', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: first ${'x'.repeat(2000)}\n\n`);
    second = () => res.end(`data: second ${'y'.repeat(2000)}\n\n`);
  });
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.gz]
category = "compression"
gzip_level = 6
[locations.l]
upstream = "up"
plugins = ["gz"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
  );
  const { text, wire } = await new Promise<{ text: string; wire: number }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: gw.port('main'), path: '/events', headers: { 'accept-encoding': 'gzip' }, agent: false }, (res) => {
        assert.equal(res.headers['content-encoding'], 'gzip');
        let wire = 0;
        res.on('data', (c: Buffer) => (wire += c.length));
        const gunzip = zlib.createGunzip();
        let text = '';
        // The upstream sends its second event only once the client decoded the first: a buffering gateway would hang here.
        gunzip.on('data', (c: Buffer) => {
          text += c.toString();
          if (text.includes('first') && text.endsWith('\n\n') && !text.includes('second')) second();
        });
        gunzip.on('end', () => resolve({ text, wire }));
        gunzip.on('error', reject);
        res.pipe(gunzip);
      })
      .on('error', reject);
  });
  assert.match(text, /^data: first x+\n\ndata: second y+\n\n$/);
  assert.ok(wire < 400, `compressed on the wire: ${wire} bytes`);
});

test('gateway -t: compression options are checked with their key paths', () => {
  const dir = tempDir('gw-compress');
  const file = join(dir, 'gw.toml');
  writeFileSync(
    file,
    `[plugins.none]\ncategory = "compression"\n[plugins.bad]\ncategory = "compression"\ngzip_level = 12\nbr_level = 4\ncontent_types = ["json"]\nmin_length = "lots"\n[upstreams.u]\naddrs = ["127.0.0.1:1"]\n[locations.l]\nupstream = "u"\nplugins = ["none", "bad"]\n[servers.main]\naddr = "127.0.0.1:0"\nlocations = ["l"]\n`,
  );
  const r = spawnSync(process.execPath, [gatewayBin, 'gateway', '-t', '-c', file], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^plugins\.none: no algorithm is enabled \(set gzip_level \(1–9\), br_level \(1–11\), zstd_level \(1–22\) or decompression = true\)$/m);
  assert.match(r.stderr, /^plugins\.bad\.gzip_level: 12 is out of range/m);
  assert.match(r.stderr, /^plugins\.bad\.min_length: /m);
  assert.match(r.stderr, /^plugins\.bad\.content_types\[0\]: "json" is not a media type/m);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('compression over HTTP/2 (h2c), and with buffer_response: the compressed body is held and sent with its length', async (t) => {
  const up = await startUpstream('up', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(JSON_BODY.slice(0, 1000));
    res.end(JSON_BODY.slice(1000));
  });
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.gz]
category = "compression"
br_level = 4
[locations.streamed]
upstream = "up"
path = "/s"
plugins = ["gz"]
[locations.buffered]
upstream = "up"
path = "/b"
buffer_response = true
plugins = ["gz"]
[servers.main]
addr = "127.0.0.1:0"
enabled_h2 = true
locations = ["streamed", "buffered"]
`,
  );
  const port = gw.port('main');
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  t.after(() => session.destroy());
  const h2get = (path: string) =>
    new Promise<{ headers: http2.IncomingHttpHeaders; raw: Buffer }>((resolve, reject) => {
      const req = session.request({ ':path': path, 'accept-encoding': 'br' });
      const chunks: Buffer[] = [];
      let headers: http2.IncomingHttpHeaders = {};
      req.on('response', (h) => (headers = h));
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve({ headers, raw: Buffer.concat(chunks) }));
      req.on('error', reject);
    });
  const h2 = await h2get('/s');
  assert.equal(h2.headers['content-encoding'], 'br');
  assert.equal(decode('br', h2.raw), JSON_BODY);
  const buffered = await get(port, '/b', { 'accept-encoding': 'br' });
  assert.equal(buffered.headers['content-encoding'], 'br');
  assert.equal(Number(buffered.headers['content-length']), buffered.raw.length, 'buffer_response sends the compressed length');
  assert.equal(decode('br', buffered.raw), JSON_BODY);
});

test('compression: decompression decodes an encoded upstream body for a client that does not accept its coding', async (t) => {
  const up = await startUpstream('up', (_req, res) => {
    const gz = zlib.gzipSync(JSON_BODY);
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(gz.length) });
    res.end(gz);
  });
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.gz]
category = "compression"
decompression = true
[locations.l]
upstream = "up"
plugins = ["gz"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
  );
  const port = gw.port('main');
  const plain = await get(port, '/', {});
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.raw.toString(), JSON_BODY);
  const gz = await get(port, '/', { 'accept-encoding': 'gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip', 'a client that takes gzip gets the upstream body as it was');
  assert.equal(zlib.gunzipSync(gz.raw).toString(), JSON_BODY);
});
