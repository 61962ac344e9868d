import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bareCreateContext, echo, request, startUpstream, useGateway } from '../../test-helpers.ts';
import { nanoid, requestIdPlugin } from './request_id.ts';

test('nanoid makes URL-safe ids of the requested size', () => {
  const ids = new Set(Array.from({ length: 1000 }, () => nanoid(21)));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{21}$/);
});

test('request_id: custom header, nanoid ids, untrusted incoming ids replaced', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.trace]
category = "request_id"
header = "X-Trace-Id"
algorithm = "nanoid"
size = 12
trust_incoming = false
[locations.l]
upstream = "up"
plugins = ["trace"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
  );
  const r = await request(gw.port('main'), { headers: { 'x-trace-id': 'client-chosen' } });
  const sent = echo(r).headers['x-trace-id'];
  assert.match(sent ?? '', /^[A-Za-z0-9_-]{12}$/);
  assert.equal(r.headers['x-trace-id'], sent);
});

test('request_id: a malformed incoming id is not trusted', () => {
  const p = requestIdPlugin.create({ header: 'X-Request-Id', algorithm: 'uuid', size: 21, trust_incoming: true }, 'rid', bareCreateContext);
  const ctx = { req: { headers: { 'x-request-id': 'bad id with spaces\r\n' } }, requestId: '' } as never as Parameters<NonNullable<typeof p.earlyRequest>>[0];
  p.earlyRequest!(ctx);
  assert.match(ctx.requestId, /^[0-9a-f-]{36}$/);
});
