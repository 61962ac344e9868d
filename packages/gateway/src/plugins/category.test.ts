// How a [plugins.NAME] entry names its plugin: `category` (pingap), else `type` (the product spec), else the entry name;
// beside a `category`, `type` is the plugin's own option. Unknown categories are refused by -t and by a hot reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@etcd-monitor/core/testing';
import { formatIssue } from '../config/fields.ts';
import { parseConfigText } from '../config/load.ts';
import { captureText, gatewayBin, request, startGateway, waitFor } from '../test-helpers.ts';
import { createLogger } from '../observability/log.ts';
import { builtinPlugins } from './index.ts';
import { definePlugin } from './plugin.ts';

// A plugin with its own `type` option, as pingap's limit plugin has (type = "rate" | "inflight").
const typed = definePlugin({
  category: 'typed',
  description: 'typed has an option called type.',
  fields: { type: { kind: 'string', default: 'rate', oneOf: ['rate', 'inflight'], doc: 'type is rate or inflight.' } },
  create: () => ({}),
});
const plugins = new Map([...builtinPlugins, ['typed', typed]]);
const server = '[servers.s]\naddr = "127.0.0.1:0"\n';

test('type names the plugin when category is absent; beside category it is an option of the plugin', () => {
  const r = parseConfigText(`[plugins.rid]\ntype = "request_id"\nheader = "X-Trace"\n[plugins.t]\ncategory = "typed"\ntype = "inflight"\n${server}`, { plugins });
  assert.deepEqual(r.issues.map(formatIssue), []);
  assert.equal(r.config.plugins.rid!.category, 'request_id');
  assert.equal(r.config.plugins.rid!.options.header, 'X-Trace');
  assert.equal('type' in r.config.plugins.rid!.options, false, 'the naming type is not an option');
  assert.deepEqual(r.config.plugins.t, { category: 'typed', priority: 0, options: { type: 'inflight' } });
  // A type value the plugin does not accept is its option's error, not an unknown category.
  const bad = parseConfigText(`[plugins.t]\ncategory = "typed"\ntype = "burst"\n${server}`, { plugins });
  assert.match(bad.issues.map(formatIssue).join('\n'), /^plugins\.t\.type: .*burst/);
  // A plugin without a type option refuses one beside its category, naming the key.
  const extra = parseConfigText(`[plugins.rid]\ncategory = "request_id"\ntype = "request_id"\n${server}`, { plugins });
  assert.match(extra.issues.map(formatIssue).join('\n'), /^plugins\.rid\.type: unknown key/);
});

test('an unknown category names its key, suggests a close one and lists the known ones', () => {
  const list = [...plugins.keys()].sort().join(', ');
  const viaType = parseConfigText(`[plugins.jwt_auth]\ntype = "request_di"\n${server}`, { plugins });
  assert.deepEqual(viaType.issues.map(formatIssue), [`plugins.jwt_auth.type: unknown plugin category "request_di" (did you mean "request_id"? known categories: ${list})`]);
  const viaCategory = parseConfigText(`[plugins.x]\ncategory = "zzzzzz"\n${server}`, { plugins });
  assert.deepEqual(viaCategory.issues.map(formatIssue), [`plugins.x.category: unknown plugin category "zzzzzz" (known categories: ${list})`]);
  const viaName = parseConfigText(`[plugins.mok]\n${server}`, { plugins });
  assert.deepEqual(viaName.issues.map(formatIssue), [`plugins.mok: unknown plugin category "mok" (did you mean "mock"? known categories: ${list})`]);
});

test('gateway -t exits 1 on an unknown category with its key path; a hot reload with one is kept out', async (t) => {
  const dir = tempDir('gw-category');
  const file = join(dir, 'gw.toml');
  const conf = (type: string) =>
    `[basic]\nadmin_addr = ""\n[plugins.answer]\ntype = "${type}"\ndata = "live"\n[locations.l]\nplugins = ["answer"]\n[servers.main]\naddr = "127.0.0.1:0"\nlocations = ["l"]\n`;
  writeFileSync(file, conf('mokc'));
  const r = spawnSync(process.execPath, [gatewayBin, 'gateway', '-t', '-c', file], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^plugins\.answer\.type: unknown plugin category "mokc" \(did you mean "mock"\? known categories: .*request_id/m);
  writeFileSync(file, conf('mock'));
  assert.equal(spawnSync(process.execPath, [gatewayBin, 'gateway', '-t', '-c', file], { encoding: 'utf8' }).status, 0);

  const log = captureText();
  const gw = await startGateway(conf('mock'), { configFile: file, log: createLogger('info', log.stream) });
  t.after(() => gw.stop(0));
  assert.equal((await request(gw.port('main'))).body, 'live');
  writeFileSync(file, conf('mokc'));
  const reload = await gw.reload();
  assert.equal(reload.ok, false);
  assert.deepEqual(
    reload.issues.map((i) => i.path),
    ['plugins.answer.type'],
  );
  await waitFor(() => log.text().includes('config reload rejected'), 5000, 'the rejected reload in the log');
  assert.equal((await request(gw.port('main'))).body, 'live', 'the running config stays');
});
