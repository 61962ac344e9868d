import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue } from '../../config/fields.ts';
import { parseConfigText } from '../../config/load.ts';
import { request, startUpstream, useGateway } from '../../test-helpers.ts';

test('traffic_split sends a weighted share, a sticky cookie share and matching headers to the canary upstream', async (t) => {
  const stable = await startUpstream('stable');
  const canary = await startUpstream('canary');
  const gw = await useGateway(
    t,
    [stable, canary],
    `
[upstreams.stable]
addrs = ["${stable.addr}"]
[upstreams.canary]
addrs = ["${canary.addr}"]
[plugins.half]
category = "traffic_split"
upstream = "canary"
weight = 50
[plugins.sticky]
category = "traffic_splitting"
upstream = "canary"
weight = 30
stickiness = true
sticky_cookie = "device"
[plugins.beta]
type = "traffic_split"
upstream = "canary"
weight = 100
stickiness = true
sticky_header = "X-Group"
matcher = "^(beta|internal)$"
[locations.half]
upstream = "stable"
path = "/half"
plugins = ["half"]
[locations.sticky]
upstream = "stable"
path = "/sticky"
plugins = ["sticky"]
[locations.beta]
upstream = "stable"
path = "/beta"
plugins = ["beta"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["half", "sticky", "beta"]
`,
  );
  const port = gw.port('main');
  const who = async (path: string, headers: Record<string, string> = {}) => (await request(port, { path, headers })).headers['x-upstream'];

  const counts = { stable: 0, canary: 0 } as Record<string, number>;
  for (let i = 0; i < 200; i++) counts[(await who('/half')) as string]!++;
  // 200 fair coin flips fall outside 50–150 with a probability below 1e-12.
  assert.ok(counts.canary! > 50 && counts.stable! > 50, JSON.stringify(counts));

  // Sticky: each device keeps its upstream; about 30 % of devices get the canary; no cookie, no canary.
  const picked = new Map<string, string>();
  for (let d = 0; d < 100; d++) picked.set(`dev-${d}`, (await who('/sticky', { cookie: `a=1; device=dev-${d}` })) as string);
  for (let d = 0; d < 100; d += 7) assert.equal(await who('/sticky', { cookie: `device=dev-${d}` }), picked.get(`dev-${d}`));
  const share = [...picked.values()].filter((u) => u === 'canary').length;
  assert.ok(share > 10 && share < 55, `${share} of 100 devices on the canary`);
  assert.equal(await who('/sticky'), 'stable');

  assert.equal(await who('/beta', { 'x-group': 'beta' }), 'canary');
  assert.equal(await who('/beta', { 'x-group': 'internal' }), 'canary');
  assert.equal(await who('/beta', { 'x-group': 'public' }), 'stable');
  assert.equal(await who('/beta'), 'stable');
});

test('traffic_split: an unknown upstream, stickiness without a value to read and a bad matcher are config errors with key paths', () => {
  const { issues } = parseConfigText(`
[upstreams.canary]
addrs = ["127.0.0.1:1"]
[plugins.c]
category = "traffic_split"
upstream = "canry"
weight = 10
stickiness = true
matcher = "(beta"
[plugins.w]
category = "traffic_split"
upstream = "canary"
weight = 101
[servers.s]
addr = "127.0.0.1:0"
`);
  const text = issues.map(formatIssue).join('\n');
  assert.match(text, /^plugins\.c\.upstream: unknown upstream "canry" \(did you mean "canary"\?\)$/m);
  assert.match(text, /^plugins\.c\.stickiness: needs sticky_cookie or sticky_header/m);
  assert.match(text, /^plugins\.c\.matcher: invalid regex "\(beta"/m);
  assert.match(text, /^plugins\.w\.weight: 101 is out of range/m);
});
