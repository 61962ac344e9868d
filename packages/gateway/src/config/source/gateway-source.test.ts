// The gateway and its supervisor read their config through a ConfigSource chosen by URL, not through a path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isAppError } from '@etcd-monitor/core';
import { Gateway } from '../../gateway.ts';
import { silentLogger } from '../../observability/log.ts';
import { runGateway } from '../../run.ts';
import { parseConfigText } from '../load.ts';
import type { ConfigSnapshot, ConfigSource } from './source.ts';

const bin = fileURLToPath(new URL('../../../../cli/bin/etcd-monitor.js', import.meta.url));
const example = fileURLToPath(new URL('../../testdata/pingap-example.toml', import.meta.url));

/** memorySource is the smallest ConfigSource: what a test (or an embedder) hands the gateway instead of a file. */
function memorySource(text: string): ConfigSource & { text: string } {
  const snap = (): ConfigSnapshot => ({ text: src.text, version: String(src.text.length) });
  const src = {
    text,
    url: 'memory://test',
    baseDir: tmpdir(),
    path: undefined,
    keepsHistory: false,
    read: async () => snap(),
    watch: () => ({ close() {} }),
    write: async (t: string) => {
      src.text = t;
      return snap();
    },
    history: async () => [],
  };
  return src;
}

const toml = (name: string) =>
  `[basic]\nname = "${name}"\nadmin_addr = ""\n[upstreams.u]\naddrs = ["127.0.0.1:1"]\n[locations.l]\nupstream = "u"\n[servers.main]\naddr = "127.0.0.1:0"\nlocations = ["l"]\n`;

test('a gateway given a config source reloads from it', async (t) => {
  const source = memorySource(toml('first'));
  const { config, issues } = parseConfigText(source.text);
  assert.deepEqual(issues, []);
  const gw = await Gateway.start(config, { log: silentLogger, source });
  t.after(() => gw.stop(0));
  await source.write(toml('second'));
  const r = await gw.reload();
  assert.equal(r.ok, true, JSON.stringify(r.issues));
  assert.equal(gw.runtime.config.basic.name, 'second');
  await source.write(toml('third').replace('addrs = ["127.0.0.1:1"]', 'addrs = ["127.0.0.1:99999"]'));
  const bad = await gw.reload();
  assert.equal(bad.ok, false);
  assert.equal(bad.issues[0]!.path, 'upstreams.u.addrs[0]');
  assert.equal(gw.runtime.config.basic.name, 'second', 'a rejected config changes nothing');
});

test('runGateway and `gateway -c` take a path or a file:// URL; etcd:// is refused with a clear "not yet" before anything starts', async (t) => {
  await assert.rejects(runGateway('etcd://127.0.0.1:2379/pingap'), (err: unknown) => isAppError(err, 'GW_CONFIG_SOURCE') && /not supported yet/.test(err.message));
  const r = spawnSync(process.execPath, [bin, 'gateway', '-t', '-c', 'etcd://127.0.0.1:2379/pingap'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^etcd-monitor gateway: --config: "etcd:\/\/127\.0\.0\.1:2379\/pingap": a config kept in etcd is not supported yet \(keep the config in a file/m);
  const dir = mkdtempSync(join(tmpdir(), 'gw-source-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gw.toml');
  writeFileSync(file, readFileSync(example, 'utf8'));
  const ok = spawnSync(process.execPath, [bin, 'gateway', '-t', '-c', pathToFileURL(file).href], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /the config is valid/);
});
