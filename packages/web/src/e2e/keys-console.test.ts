import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { useCluster } from '@etcd-monitor/etcd/testing';
import type { AuditEntry } from '@etcd-monitor/monitor/contract';
import { screenshotPath, startMonitor, useBrowserMonitor, type TestMonitor } from './harness.ts';

const WAIT = 20_000;

describe('key browser and console against a real etcd, changed meanwhile by etcdctl', () => {
  const cluster = useCluster({ members: 1 });
  let page: Page;
  let mon: TestMonitor;
  useBrowserMonitor(
    () => startMonitor([{ name: 'main', endpoints: cluster.get().endpoints }]),
    (s) => ({ page, mon } = s),
    { height: 1000 },
  );
  const etcdctl = async (...args: string[]) => {
    const r = await cluster.get().etcdctl(args);
    assert.equal(r.code, 0, `etcdctl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const console_ = async (line: string) => {
    const before = await page.getByTestId('console-entry').count();
    await page.getByTestId('console-input').fill(line);
    await page.getByTestId('console-input').press('Enter');
    const entry = page.getByTestId('console-entry').nth(before);
    await entry.waitFor({ timeout: WAIT });
    // '…' is printed while the call is under way.
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=console-entry]')[n]?.querySelector('[data-testid=console-text]')?.textContent !== '…', before, {
      timeout: WAIT,
    });
    return entry;
  };

  test('an edit of a key changed by another client since it was loaded is refused and shown beside the current value, never written', async () => {
    await etcdctl('put', '/app/config', '{"replicas":1,"image":"a"}');
    await etcdctl('put', '/app/notes', 'plain text');
    // `/` holds one folder, `/app/`: its level is read before it is opened, and every count after the levels
    // (at a million keys a count walks its folder in etcd for as long as the level read the user waits for).
    const reads: string[] = [];
    const onRequest = (r: { url(): string }) => {
      const u = new URL(r.url());
      if (u.pathname.endsWith('/kv/level')) reads.push(`level ${u.searchParams.get('prefix')}`);
      if (u.pathname.endsWith('/kv/counts')) reads.push('counts');
    };
    page.on('request', onRequest);
    const appLevel = page.waitForRequest((r) => r.url().includes('/kv/level?') && new URL(r.url()).searchParams.get('prefix') === '/app/', { timeout: WAIT });
    await page.goto('/clusters/main/keys');
    await page.locator('[data-testid=key-folder][data-prefix="/app/"]').waitFor({ timeout: WAIT });
    await appLevel;
    await page.locator('[data-testid=key-folder][data-prefix="/app/"] + [data-testid=key-folder-count]').waitFor({ timeout: WAIT });
    page.off('request', onRequest);
    assert.deepEqual(reads.slice(0, 3).sort(), ['level ', 'level /', 'level /app/'], `the levels come first: ${reads.join(', ')}`);
    assert.ok(
      reads.slice(3).every((r) => r === 'counts'),
      `then the counts: ${reads.join(', ')}`,
    );
    await page.locator('[data-testid=key-folder][data-prefix="/app/"]').click();
    await page.locator('[data-testid=key-leaf][data-key="/app/config"]').click();
    const panel = page.locator('[data-testid=key-panel][data-key="/app/config"]');
    await panel.waitFor({ timeout: WAIT });
    assert.equal(await panel.getByTestId('value-format').textContent(), 'JSON');
    assert.equal(await panel.getByTestId('value-view').textContent(), '{\n  "replicas": 1,\n  "image": "a"\n}');
    assert.match((await panel.getByTestId('key-lease').textContent()) ?? '', /No lease/);

    await panel.getByTestId('value-edit').click();
    await panel.getByTestId('value-editor').fill('{"replicas":3,"image":"a"}');
    // Another client writes between the load and the save.
    await etcdctl('put', '/app/config', '{"replicas":2,"image":"b"}');
    await panel.getByTestId('value-save').click();
    const conflict = panel.getByTestId('kv-conflict');
    await conflict.waitFor({ timeout: WAIT });
    assert.match((await conflict.getByTestId('conflict-current').textContent()) ?? '', /"replicas": 2,\s+"image": "b"/);
    assert.equal(await conflict.getByTestId('conflict-mine').textContent(), '{"replicas":3,"image":"a"}');
    await page.screenshot({ path: screenshotPath('keys-conflict'), fullPage: true });
    assert.equal(await etcdctl('get', '--print-value-only', '/app/config'), '{"replicas":2,"image":"b"}\n', 'the other client’s write stays');

    // Having seen it, the operator edits on from the current revision; that save goes through.
    await conflict.getByTestId('conflict-rebase').click();
    await panel.getByTestId('value-save').click();
    await panel.getByTestId('value-view').waitFor({ timeout: WAIT });
    assert.equal(await etcdctl('get', '--print-value-only', '/app/config'), '{"replicas":3,"image":"a"}\n');

    // History: three versions, and the diff of the newest two.
    await panel.getByTestId('tab-history').click();
    await page.getByTestId('history-row').nth(2).waitFor({ timeout: WAIT });
    assert.equal(await page.getByTestId('history-row').count(), 3);
    const diff = (await page.getByTestId('history-diff').textContent()) ?? '';
    assert.match(diff, /- {3}"replicas": 2,/);
    assert.match(diff, /\+ {3}"replicas": 3,/);
    await page.screenshot({ path: screenshotPath('keys-history'), fullPage: true });
  });

  test('a key with a lease shows its TTL, bytes show as hex, and the stats name what fills the database', async () => {
    const lease = /lease ([0-9a-f]+) granted/.exec(await etcdctl('lease', 'grant', '600'))![1]!;
    await etcdctl('put', '--lease', lease, '/app/session', 'x: 1\ny: [2]');
    await page.goto(`/clusters/main/keys?key=${encodeURIComponent('/app/session')}`);
    const panel = page.locator('[data-testid=key-panel][data-key="/app/session"]');
    await panel.waitFor({ timeout: WAIT });
    assert.match((await panel.getByTestId('key-lease').textContent()) ?? '', new RegExp(`Lease ${lease} · TTL \\d+ s of 600 s`));
    assert.equal(await panel.getByTestId('value-format').textContent(), 'YAML');
    // Bytes that are not text: a hex dump, and no editing as text.
    await etcdctl('put', '/app/blob', '\u0001\u0002k8s');
    await page.goto(`/clusters/main/keys?key=${encodeURIComponent('/app/blob')}`);
    const blob = page.locator('[data-testid=key-panel][data-key="/app/blob"]');
    await blob.waitFor({ timeout: WAIT });
    assert.equal(await blob.getByTestId('value-format').textContent(), 'binary (hex)');
    assert.equal(await blob.getByTestId('value-view').textContent(), `00000000  01 02 6b 38 73${' '.repeat(36)}|..k8s|`);
    assert.equal(await blob.getByTestId('value-edit').isDisabled(), true);
    // Search by prefix lists matching keys flat; another separator splits the tree elsewhere.
    await page.getByTestId('key-search').fill('/app/s');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('[data-testid=key-search-results] [data-testid=key-leaf][data-key="/app/session"]').waitFor({ timeout: WAIT });
    assert.equal(await page.locator('[data-testid=key-search-results] [data-testid=key-leaf]').count(), 1);
    await etcdctl('put', 'svc:web:port', '80');
    await page.goto('/clusters/main/keys?sep=%3A');
    await page.locator('[data-testid=key-folder][data-prefix="svc:"]').click();
    await page.locator('[data-testid=key-folder][data-prefix="svc:web:"]').click();
    await page.locator('[data-testid=key-leaf][data-key="svc:web:port"]').waitFor({ timeout: WAIT });
    await page.goto('/clusters/main/keys');
    await page.getByTestId('stats-scan').click();
    await page.locator('[data-testid=stats-row][data-prefix="/app/"]').waitFor({ timeout: WAIT });
  });

  test('deleting a folder shows the dry-run count and deletes exactly those keys', async () => {
    for (const k of ['a', 'b', 'c']) await etcdctl('put', `/tmp/${k}`, k);
    await page.goto('/clusters/main/keys');
    await page.locator('[data-testid=key-folder][data-prefix="/tmp/"]').waitFor({ timeout: WAIT });
    // The level comes without counts; each folder's count is filled in by a request of its own.
    assert.equal(await page.locator('[data-testid=key-folder][data-prefix="/tmp/"] + [data-testid=key-folder-count]').textContent({ timeout: WAIT }), '3');
    await page.getByRole('button', { name: 'Delete every key under /tmp/' }).click();
    await page.locator('[data-testid=delete-count][data-count="3"]').waitFor({ timeout: WAIT });
    await page.screenshot({ path: screenshotPath('keys-delete-prefix') });
    await page.getByTestId('delete-confirm').click();
    await page.locator('[data-testid=key-folder][data-prefix="/tmp/"]').waitFor({ state: 'detached', timeout: WAIT });
    assert.equal(await etcdctl('get', '--prefix', '/tmp/'), '');
  });

  test('a watch in the console sees a put made by etcdctl, holds events while paused and prints them on resume', async () => {
    await page.goto('/clusters/main/console');
    const entry = await console_('watch --prefix /w/');
    await entry.locator('[data-testid=console-watch][data-state=live]').waitFor({ timeout: WAIT });
    await etcdctl('put', '/w/x', 'hello');
    await page.waitForFunction(() => document.querySelector('[data-testid=watch-lines]')?.textContent?.includes('PUT\n/w/x\nhello'), null, { timeout: WAIT });
    await entry.getByTestId('watch-pause').click();
    await etcdctl('put', '/w/y', 'while paused');
    await entry.getByText('1 event held while paused').waitFor({ timeout: WAIT });
    assert.doesNotMatch((await entry.getByTestId('watch-lines').textContent()) ?? '', /while paused/);
    await page.screenshot({ path: screenshotPath('console-watch-paused'), fullPage: true });
    await entry.getByTestId('watch-pause').click();
    assert.match((await entry.getByTestId('watch-lines').textContent()) ?? '', /PUT\n\/w\/y\nwhile paused/);
    await entry.getByTestId('watch-stop').click();
  });

  test('the console runs get, put and del through the API, completes keys, and names the CLI for what the API lacks', async () => {
    await page.goto('/clusters/main/console');
    assert.equal(await (await console_('put /c/k "v 1"')).getByTestId('console-text').textContent(), 'OK');
    const json = JSON.parse((await (await console_('get --prefix /c/ -w json')).getByTestId('console-text').textContent()) ?? '') as {
      kvs: Array<{ key: string; value: string }>;
      count: number;
    };
    assert.deepEqual(
      json.kvs.map((kv) => [atob(kv.key), atob(kv.value)]),
      [['/c/k', 'v 1']],
    );
    assert.equal(json.count, 1);
    // Maintenance through its API: compaction of a past revision, and no alarm raised.
    // Compaction asks first.
    const compaction = await console_('compaction 1');
    await page.getByTestId('confirm-run').click();
    await compaction.getByTestId('console-text').filter({ hasText: 'compacted revision 1' }).waitFor({ timeout: WAIT });
    assert.equal(await (await console_('alarm list')).getByTestId('console-text').textContent(), '');
    const fields = (await (await console_('member list -w fields')).getByTestId('console-text').textContent()) ?? '';
    assert.match(fields, /-w fields is not offered by the monitor's API yet[\s\S]*etcd-monitor ctl .*member list -w fields/);
    const bad = (await (await console_('get --bogus /c/')).getByTestId('console-text').textContent()) ?? '';
    assert.match(bad, /^Error: unknown flag: --bogus/);
    // Key completion reads the folder level of what is typed.
    await page.getByTestId('console-input').fill('get /c');
    await page.getByTestId('console-completion').filter({ hasText: '/c/' }).waitFor({ timeout: WAIT });
    await page.getByTestId('console-input').press('Tab');
    assert.equal(await page.getByTestId('console-input').inputValue(), 'get /c/');
    await page.getByTestId('console-completion').filter({ hasText: '/c/k' }).waitFor({ timeout: WAIT });
    // History: ↑ brings back the last command.
    await page.getByTestId('console-input').fill('');
    await page.getByTestId('console-input').press('ArrowUp');
    assert.equal(await page.getByTestId('console-input').inputValue(), 'get --bogus /c/');
    // del --prefix asks first, with the count.
    await page.getByTestId('console-input').fill('del --prefix /c/');
    await page.getByTestId('console-input').press('Enter');
    await page.locator('[data-testid=delete-count][data-count="1"]').waitFor({ timeout: WAIT });
    await page.getByTestId('delete-confirm').click();
    await page.getByTestId('console-text').filter({ hasText: /^1$/ }).waitFor({ timeout: WAIT });
    assert.equal(await etcdctl('get', '--prefix', '/c/'), '');
    // del --from-key too: every key from zz/a on, which is these two.
    await etcdctl('put', 'zz/a', '1');
    await etcdctl('put', 'zz/b', '2');
    await page.getByTestId('console-input').fill('del --from-key zz/a');
    await page.getByTestId('console-input').press('Enter');
    await page.locator('[data-testid=delete-count][data-count="2"]').waitFor({ timeout: WAIT });
    await page.getByTestId('delete-confirm').click();
    await page.getByTestId('console-text').filter({ hasText: /^2$/ }).waitFor({ timeout: WAIT });
    assert.equal(await etcdctl('get', '--prefix', 'zz/'), '');
    await page.screenshot({ path: screenshotPath('console'), fullPage: true });
  });

  test('the audit log lists what the UI did, as etcdctl commands, with the result', async () => {
    const entries = (await (await fetch(`${mon.url}/api/v1/audit`)).json()) as AuditEntry[];
    const seen = entries.map((e) => `${e.actor} ${e.cluster} ${e.command} ${e.result}`);
    for (const want of [
      'etcdctl put /app/config',
      'etcdctl del --prefix /tmp/',
      'etcdctl put /c/k',
      'etcdctl del --prefix /c/',
      'etcdctl del --from-key zz/a',
      'etcdctl compaction 1',
    ]) {
      assert.ok(
        seen.some((s) => s.includes(`main ${want} ok`)),
        `${want} is in the audit log:\n${seen.join('\n')}`,
      );
    }
    const conflict = entries.find((e) => e.command === 'etcdctl put /app/config' && e.result?.startsWith('MON_KV_CONFLICT'));
    assert.ok(conflict, 'the refused save is on record too');
    assert.match(conflict.actor, /^anonymous@/);
  });

  test('a viewer sees no edit or delete controls, and the console refuses put', async () => {
    const viewer = await startMonitor([{ name: 'main', endpoints: cluster.get().endpoints }], { auth: { anonymous_role: 'viewer' } });
    try {
      await page.goto(`${viewer.url}/clusters/main/keys?key=${encodeURIComponent('/app/config')}`);
      await page.locator('[data-testid=key-panel][data-key="/app/config"]').waitFor({ timeout: WAIT });
      await page.locator('[data-testid=key-folder][data-prefix="/app/"]').waitFor({ timeout: WAIT });
      assert.equal(await page.getByTestId('value-edit').count(), 0);
      assert.equal(await page.getByTestId('key-delete').count(), 0);
      assert.equal(await page.getByTestId('key-folder-delete').count(), 0);
      await page.goto(`${viewer.url}/clusters/main/console`);
      const text = (await (await console_('put /v x')).getByTestId('console-text').textContent()) ?? '';
      assert.match(text, /your role \(viewer\) may only read/);
      assert.equal(await etcdctl('get', '/v'), '');
    } finally {
      await viewer.stop();
    }
  });
});
