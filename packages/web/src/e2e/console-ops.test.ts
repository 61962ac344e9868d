import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { useCluster } from '@etcd-monitor/etcd/testing';
import type { AuditEntry } from '@etcd-monitor/monitor/contract';
import { screenshotPath, startMonitor, useBrowserMonitor, type TestMonitor } from './harness.ts';

const WAIT = 20_000;

describe('console: leases, a transaction, users and auth through the API, beside etcdctl on the same etcd', () => {
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
  const entries = () => page.getByTestId('console-entry');
  const textOf = async (n: number) => {
    await page.waitForFunction(
      (i) => {
        const t = document.querySelectorAll('[data-testid=console-entry]')[i]?.querySelector('[data-testid=console-text]')?.textContent;
        return t !== undefined && t !== '…' && !t.startsWith('Waiting for');
      },
      n,
      { timeout: WAIT },
    );
    return (await entries().nth(n).getByTestId('console-text').textContent()) ?? '';
  };
  const run = async (line: string) => {
    const n = await entries().count();
    await page.getByTestId('console-input').fill(line);
    await page.getByTestId('console-input').press('Enter');
    await entries().nth(n).waitFor({ timeout: WAIT });
    return n;
  };
  const console_ = async (line: string) => textOf(await run(line));

  test('lease grant, put --lease, lease timetolive --keys (simple and -w json, as etcdctl prints them), keep-alive, revoke', async () => {
    await page.goto('/clusters/main/console');
    const granted = await console_('lease grant 600');
    const m = /^lease ([0-9a-f]{16}) granted with TTL\(600s\)$/.exec(granted);
    assert.ok(m, granted);
    const lease = m[1]!;
    assert.equal(await console_(`put --lease=${lease} /l/a v1`), 'OK');
    const ttl = await console_(`lease timetolive --keys ${lease}`);
    assert.match(ttl, new RegExp(`^lease ${lease} granted with TTL\\(600s\\), remaining\\(\\d+s\\), attached keys\\(\\[/l/a\\]\\)$`));
    assert.match(
      await etcdctl('lease', 'timetolive', '--keys', lease),
      new RegExp(`^lease ${lease} granted with TTL\\(600s\\), remaining\\(\\d+s\\), attached keys\\(\\[/l/a\\]\\)\\n$`),
    );
    // -w json is etcdctl's document for the same call (the seconds left may tick between the two).
    const ours = JSON.parse(await console_(`lease timetolive --keys ${lease} -w json`)) as Record<string, unknown>;
    const theirs = JSON.parse(await etcdctl('lease', 'timetolive', '--keys', lease, '-w', 'json')) as Record<string, unknown>;
    assert.deepEqual({ ...ours, ttl: 0 }, { ...theirs, ttl: 0 });
    assert.deepEqual(ours.keys, [Buffer.from('/l/a').toString('base64')]);
    assert.equal(await console_(`lease keep-alive --once ${lease}`), `lease ${lease} keepalived with TTL(600)`);
    assert.match(await console_('lease list'), new RegExp(`^found \\d+ leases\\n(.*\\n)*${lease}`));
    await page.screenshot({ path: screenshotPath('console-lease'), fullPage: true });
    assert.equal(await console_(`lease revoke ${lease}`), `lease ${lease} revoked`);
    assert.equal(await console_(`lease timetolive ${lease}`), `lease ${lease} already expired`);
    assert.equal(await etcdctl('get', '/l/a'), '', "the lease's key went with it");
  });

  test('txn: the transaction typed as etcdctl reads it, run atomically, printed as etcdctl prints it', async () => {
    await etcdctl('put', '/t/a', 'one');
    const n = await run('txn');
    await page.getByTestId('txn-text').fill('mod("/t/a") > "0"\n\nput /t/b two\nget /t/a\n\nget /t/none\n');
    await page.screenshot({ path: screenshotPath('console-txn-dialog') });
    await page.getByTestId('ops-input-submit').click();
    assert.equal(await textOf(n), 'mod("/t/a") > "0"\n\nput /t/b two\nget /t/a\n\nget /t/none\n\nSUCCESS\n\nOK\n\n/t/a\none');
    assert.equal(await etcdctl('get', '--print-value-only', '/t/b'), 'two\n');
    const failed = await run('txn -w json');
    await page.getByTestId('txn-text').fill('val("/t/a") = "other"\n\nput /t/c never\n\nget /t/b\n');
    await page.getByTestId('ops-input-submit').click();
    const doc = JSON.parse((await textOf(failed)).split('\n\n').at(-1)!) as {
      header: { revision: number };
      succeeded?: boolean;
      responses: Array<{ Response: { ResponseRange?: { kvs: Array<{ key: string }> } } }>;
    };
    assert.equal(doc.succeeded, undefined, 'false is left out, as Go omits it');
    assert.equal(doc.responses[0]!.Response.ResponseRange!.kvs[0]!.key, Buffer.from('/t/b').toString('base64'));
    assert.equal(await etcdctl('get', '/t/c'), '');
    const bad = await run('txn');
    await page.getByTestId('txn-text').fill('mod("/t/a") >> "0"\n\n\n');
    await page.getByTestId('ops-input-submit').click();
    assert.equal(await textOf(bad), 'mod("/t/a") >> "0"\n\nError: malformed comparison: mod("/t/a") >> "0"');
  });

  test('users: the password is asked in a masked field or hidden from the line, never shown nor kept in the history; auth status', async () => {
    const n = await run('user add carol');
    await page.getByTestId('ops-password').fill('carol-secret-1');
    await page.getByTestId('ops-input-submit').click();
    assert.equal(await textOf(n), 'User carol created');
    assert.equal(await console_('user add dave:dave-secret-2'), 'User dave created');
    assert.equal(await console_('user grant-role dave root'), 'Role root is granted to user dave');
    assert.equal(await console_('user get dave'), 'User: dave\nRoles: root');
    assert.equal(await console_('user list'), 'carol\ndave');
    assert.equal(await etcdctl('user', 'list'), 'carol\ndave\n');
    assert.equal(await console_('auth status'), 'Authentication Status: false\nAuthRevision: 0');
    const shown = (await page.getByTestId('console-output').textContent()) ?? '';
    assert.ok(shown.includes('user add dave:***'), shown);
    const stored = await page.evaluate(() => JSON.stringify(Object.entries(localStorage)));
    for (const secret of ['carol-secret-1', 'dave-secret-2']) {
      assert.ok(!shown.includes(secret) && !stored.includes(secret), `${secret} is neither shown nor kept`);
    }
    await page.screenshot({ path: screenshotPath('console-users'), fullPage: true });
  });

  test('the audit log lists what the console did, as etcdctl commands, without passwords or values', async () => {
    const audit = (await (await fetch(`${mon.url}/api/v1/audit?limit=500`)).json()) as AuditEntry[];
    const seen = audit.map((e) => `${e.command ?? ''} => ${e.result ?? ''}`);
    for (const want of ['etcdctl lease grant 600 => ok', `etcdctl user add carol --interactive=false => ok`, 'etcdctl user grant-role dave root => ok']) {
      assert.ok(seen.includes(want), `${want} in:\n${seen.join('\n')}`);
    }
    assert.ok(
      seen.some((s) => s.startsWith(`etcdctl txn <<< $'mod("/t/a") > "0"\\n\\nput /t/b …\\nget /t/a\\n\\nget /t/none\\n' => ok`)),
      seen.join('\n'),
    );
    assert.ok(!JSON.stringify(audit).includes('secret'), 'no password in the audit log');
  });
});
