// The contract every ConfigSource keeps, as a suite each implementation runs against itself (file.test.ts for the file
// source; an etcd source runs the same suite against a real etcd).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '@etcd-monitor/core';
import { until } from '@etcd-monitor/core/testing';
import type { ConfigSource } from './source.ts';

/** SourceFixture is a source holding `INITIAL_CONFIG`, and a way to change the config behind its back (another process, an operator). */
export interface SourceFixture {
  /** source is the implementation under test, holding INITIAL_CONFIG. */
  source: ConfigSource;
  /** changeElsewhere replaces the config without going through `source` (an editor, another gateway). */
  changeElsewhere(text: string): Promise<void>;
  /** missing is a source of the same kind whose config does not exist. */
  missing(): ConfigSource;
  /** cleanup removes what the fixture created. */
  cleanup(): Promise<void>;
}

/** INITIAL_CONFIG is the text every fixture starts with. */
export const INITIAL_CONFIG = '[basic]\nname = "contract"\n';

/** configSourceContract registers the contract tests of a ConfigSource implementation under `name`. */
export function configSourceContract(name: string, setup: () => Promise<SourceFixture>): void {
  const withFixture = (title: string, body: (f: SourceFixture) => Promise<void>) =>
    test(`${name} source: ${title}`, async () => {
      const f = await setup();
      try {
        await body(f);
      } finally {
        await f.cleanup();
      }
    });

  withFixture('read returns the text and a version that stays while the text does', async ({ source }) => {
    const a = await source.read();
    assert.equal(a.text, INITIAL_CONFIG);
    assert.equal(typeof a.version, 'string');
    assert.ok(a.version.length > 0);
    assert.equal((await source.read()).version, a.version);
    assert.ok(source.url.length > 0 && source.baseDir.length > 0);
  });

  withFixture('write replaces the text, returns the new snapshot, and the version changes', async ({ source }) => {
    const before = await source.read();
    const next = `${INITIAL_CONFIG}threads = 2\n`;
    const written = await source.write(next);
    assert.equal(written.text, next);
    assert.notEqual(written.version, before.version);
    assert.deepEqual(await source.read(), written);
  });

  withFixture('a write guarded by a version someone else replaced fails with GW_CONFIG_CONFLICT and changes nothing', async ({ source, changeElsewhere }) => {
    const seen = await source.read();
    await changeElsewhere(`${INITIAL_CONFIG}threads = 3\n`);
    await assert.rejects(source.write(`${INITIAL_CONFIG}threads = 4\n`, { ifVersion: seen.version }), (err: unknown) => isAppError(err, 'GW_CONFIG_CONFLICT'));
    assert.equal((await source.read()).text, `${INITIAL_CONFIG}threads = 3\n`);
    const current = await source.read();
    assert.equal((await source.write(`${INITIAL_CONFIG}threads = 5\n`, { ifVersion: current.version })).text, `${INITIAL_CONFIG}threads = 5\n`);
  });

  withFixture('watch reports a change made elsewhere and a write through the source, and stops when closed', async ({ source, changeElsewhere }) => {
    let calls = 0;
    const w = source.watch(() => calls++);
    try {
      await changeElsewhere(`${INITIAL_CONFIG}threads = 6\n`);
      await until('a change made elsewhere to be reported', () => calls >= 1, { timeoutMs: 10_000 });
      const seen = calls;
      await source.write(`${INITIAL_CONFIG}threads = 7\n`);
      await until('a write through the source to be reported', () => calls > seen, { timeoutMs: 10_000 });
    } finally {
      w.close();
    }
    // Settle: a notification already queued may still arrive; after that, none.
    await new Promise((r) => setTimeout(r, 500));
    const closedAt = calls;
    await changeElsewhere(`${INITIAL_CONFIG}threads = 8\n`);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(calls, closedAt, 'no call after close');
  });

  withFixture('history lists earlier versions newest first, or nothing when the source keeps none', async ({ source }) => {
    const first = await source.read();
    await source.write(`${INITIAL_CONFIG}threads = 2\n`);
    const h = await source.history();
    assert.ok(Array.isArray(h));
    if (!source.keepsHistory) return assert.deepEqual(h, []);
    assert.equal(h[0]!.text, first.text);
    assert.equal(h[0]!.version, first.version);
    for (let i = 1; i < h.length; i++) assert.ok(h[i - 1]!.at >= h[i]!.at, 'newest first');
  });

  withFixture('reading a config that does not exist is GW_CONFIG_READ naming the source', async ({ missing }) => {
    const m = missing();
    await assert.rejects(m.read(), (err: unknown) => isAppError(err, 'GW_CONFIG_READ') && err.message.includes(m.path ?? m.url));
  });
}
