import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { screenshotPath, startMonitor, useBrowserMonitor, type TestMonitor } from './harness.ts';

const WAIT = 20_000;
// Long enough for an election, the alert evaluation and a dispatch; every wait below is bounded by it.
const ALERT_WAIT = 45_000;

interface Payload {
  status: string;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}

/** firingLeaderLost tells whether a webhook payload notifies a firing etcdLeaderLost. */
const firingLeaderLost = (p: Payload) => p.alerts?.some((a) => a.status === 'firing' && a.labels.alertname === 'etcdLeaderLost') ?? false;

describe('silences in the web UI against a real monitor, a real webhook receiver and a real 3-member cluster', () => {
  // A long election timeout keeps the cluster leaderless for 25–50 s after the leader dies, so etcdLeaderLost fires long
  // enough to be seen on the alerts page (it polls every 5 s) and is still firing when the silence is expired.
  const cluster = useCluster({ members: 3, extraArgs: ['--heartbeat-interval=500', '--election-timeout=25000'], startTimeoutMs: 90_000 });
  let mon: TestMonitor;
  let page: Page;
  let receiver: Server;
  const received: Payload[] = [];
  // waiters are resolved by the receiver as payloads arrive, so tests wait on deliveries instead of the clock.
  const waiters = new Set<() => void>();

  /** waitForPayload resolves with the first recorded payload matching ok, failing after timeoutMs. */
  const waitForPayload = (ok: (p: Payload) => boolean, what: string, timeoutMs = ALERT_WAIT) =>
    new Promise<Payload>((resolve, reject) => {
      const check = () => {
        const hit = received.find(ok);
        if (!hit) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`the receiver got no ${what} within ${timeoutMs} ms; it got: ${JSON.stringify(received).slice(0, 800)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  useBrowserMonitor(
    async () => {
      receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          try {
            received.push(JSON.parse(body) as Payload);
          } catch {
            received.push({ status: 'unparsable', alerts: [] });
          }
          res.writeHead(200).end('ok');
          for (const w of [...waiters]) w();
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      return startMonitor([{ name: 'maint', endpoints: cluster.get().endpoints }], { alerting: { channels: [{ name: 'hook', type: 'webhook', url: hook }] } });
    },
    (s) => ({ mon, page } = s),
  );
  // After the monitor has stopped (the hooks run in the order they were registered).
  after(async () => {
    await new Promise((r) => receiver?.close(r));
  });

  test('a silence created in the UI suppresses the next notification', async () => {
    await page.goto('/alerts/channels');
    // The channel is wired to the receiver: a test sent from the UI arrives and the UI says it was delivered.
    const channel = page.locator('[data-testid=channels-table] tr[data-channel=hook]');
    await channel.getByRole('button', { name: 'Send a test to hook' }).click({ timeout: WAIT });
    await channel.getByTestId('channel-test-outcome').getByText('delivered').waitFor({ timeout: WAIT });
    await waitForPayload(() => true, 'test notification', WAIT);

    // Inline validation first, then the silence for the cluster.
    await page.getByRole('button', { name: 'New silence' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Matchers').fill('cluster~maint');
    await dialog.getByLabel('Duration').fill('2 hours');
    await dialog.getByRole('button', { name: 'Create silence' }).click();
    await dialog.getByText('"cluster~maint" is not a matcher').waitFor();
    await dialog.getByText('Write a duration such as 90s, 30m, 2h, 1d or 1w.').waitFor();
    // What the API accepts, the form accepts: a value without quotes, a duration in weeks.
    await dialog.getByLabel('Matchers').fill('cluster=maint');
    await dialog.getByLabel('Duration').fill('1w');
    await dialog.getByLabel('Created by').fill('e2e');
    await dialog.getByLabel('Comment').fill('maintenance of cluster maint');
    await dialog.getByRole('button', { name: 'Create silence' }).click();
    await dialog.waitFor({ state: 'detached', timeout: WAIT });
    await page.getByRole('tab', { name: 'Silences' }).click();
    const silenceRow = page.locator('[data-testid=silences-table] tr[data-state=active]', { hasText: 'cluster="maint"' });
    await silenceRow.waitFor({ timeout: WAIT });

    // Kill the leader: etcdLeaderLost (for: 0s) fires while the followers wait out the election timeout.
    const leader = await cluster.get().waitForLeader();
    await leader.kill();

    // The UI shows the alert firing and silenced, without a reload.
    await page.getByRole('tab', { name: /Firing and pending/ }).click();
    const alertRow = page.locator('[data-testid=alerts-table] tr[data-alertname=etcdLeaderLost][data-state=firing][data-silenced=true]').first();
    await alertRow.waitFor({ timeout: ALERT_WAIT }).catch(async (err: unknown) => {
      await page.screenshot({ path: screenshotPath('debug-silenced') });
      const a = await (await fetch(`${mon.url}/api/v1/alerts`)).text();
      const c = await (await fetch(`${mon.url}/api/v1/clusters/maint`)).text();
      throw new Error(`etcdLeaderLost is not shown firing and silenced; alerts: ${a.slice(0, 1500)} cluster: ${c.slice(0, 1500)}`, { cause: err });
    });
    await alertRow.getByText('silenced', { exact: true }).and(alertRow.locator('.mantine-Badge-label')).waitFor();
    await page.screenshot({ path: screenshotPath('alerts-silenced-light') });

    // While the silence holds, the receiver has had no firing etcdLeaderLost, and the outbox holds none for the cluster.
    assert.equal(received.some(firingLeaderLost), false, JSON.stringify(received).slice(0, 800));
    const log = (await (await fetch(`${mon.url}/api/v1/notifications`)).json()) as { entries: Array<{ groupKey: string }> };
    assert.equal(
      log.entries.some((e) => e.groupKey.includes('etcdLeaderLost')),
      false,
      JSON.stringify(log.entries).slice(0, 800),
    );

    // The silence was what held it back: once expired in the UI, the still-firing alert is delivered.
    await page.getByRole('tab', { name: 'Silences' }).click();
    await silenceRow.getByRole('button', { name: /Expire silence/ }).click();
    await page.getByRole('tab', { name: /Firing and pending/ }).click();
    await page.locator('[data-testid=alerts-table] tr[data-alertname=etcdLeaderLost][data-silenced=false]').first().waitFor({ timeout: WAIT });
    await waitForPayload(firingLeaderLost, 'firing etcdLeaderLost after the silence expired');
  });
});
