import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync, chmodSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isAppError } from '@etcd-monitor/core';
import { configSourceContract, INITIAL_CONFIG } from './contract.ts';
import { FileConfigSource, openConfigSource } from './index.ts';

configSourceContract('file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-source-'));
  const file = join(dir, 'gw.toml');
  writeFileSync(file, INITIAL_CONFIG);
  return {
    source: new FileConfigSource(file),
    // An editor that writes a copy and renames it over the file, as vim and most tools do.
    changeElsewhere: async (text) => {
      writeFileSync(`${file}.swp`, text);
      renameSync(`${file}.swp`, file);
    },
    missing: () => new FileConfigSource(join(dir, 'missing.toml')),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

test('the config source is chosen by URL: a plain path or file:// is a file, etcd:// is not supported yet, other schemes are refused', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-source-url-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gw.toml');
  for (const spec of [file, pathToFileURL(file).href, 'relative/gw.toml']) {
    const s = openConfigSource(spec);
    assert.ok(s instanceof FileConfigSource, spec);
    assert.equal(s.url, pathToFileURL(s.path).href);
  }
  assert.equal(openConfigSource(pathToFileURL(file).href).path, file);
  assert.equal(openConfigSource(file).baseDir, dir);
  assert.throws(
    () => openConfigSource('etcd://127.0.0.1:2379/pingap'),
    (err: unknown) => isAppError(err, 'GW_CONFIG_SOURCE') && /etcd is not supported yet/.test(err.message) && err.field === '--config',
  );
  assert.throws(
    () => openConfigSource('s3://bucket/gw.toml'),
    (err: unknown) => isAppError(err, 'GW_CONFIG_SOURCE') && /unknown scheme "s3"/.test(err.message),
  );
  assert.throws(
    () => openConfigSource('file://otherhost/gw.toml'),
    (err: unknown) => isAppError(err, 'GW_CONFIG_SOURCE') && /another host/.test(err.message),
  );
});

test('a write through the file source keeps the file mode and leaves no temporary file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-source-mode-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gw.toml');
  writeFileSync(file, INITIAL_CONFIG);
  chmodSync(file, 0o640);
  await new FileConfigSource(file).write('x = 1\n');
  assert.equal(statSync(file).mode & 0o777, 0o640);
  assert.throws(() => statSync(`${file}.${process.pid}.tmp`));
});
