import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { screenshotPath, startMonitor, useBrowserMonitor, type TestMonitor } from './harness.ts';

const WAIT = 15_000;

// No etcd needed: the cluster is unreachable, and channels and routes are managed whatever the clusters do.
describe('channels and routes in the web UI against a real monitor and a real webhook receiver', () => {
  let mon: TestMonitor;
  let page: Page;
  let receiver: Server;
  const hits: Array<{ path: string; auth: string | undefined }> = [];

  useBrowserMonitor(
    async () => {
      receiver = createServer((req, res) => {
        hits.push({ path: req.url!, auth: req.headers.authorization });
        req.resume();
        req.on('end', () => res.writeHead(200).end('ok'));
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      const m = await startMonitor([{ name: 'c', endpoints: ['127.0.0.1:1'] }]);
      const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const put = await fetch(`${m.url}/api/v1/channels/hook`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'webhook', url: hook, bearer_token: 's3cret' }),
      });
      assert.equal(put.status, 200, await put.text());
      return m;
    },
    (s) => ({ mon, page } = s),
    { height: 900 },
  );
  // After the monitor has stopped (the hooks run in the order they were registered).
  after(async () => {
    receiver?.closeAllConnections();
    await new Promise((r) => receiver?.close(r));
  });

  test('a channel edited in the UI keeps its secrets, and a route added in the UI is in force', async () => {
    await page.goto('/alerts/channels');
    const row = page.locator('[data-testid=channels-table] tr[data-channel=hook]');
    await row.getByRole('button', { name: 'Edit channel hook' }).click({ timeout: WAIT });
    let dialog = page.getByRole('dialog');
    // Secrets are blank (write-only) and kept; only the cap changes.
    assert.equal(await dialog.getByLabel('URL').inputValue(), '');
    await dialog.getByLabel('Max alerts per message').fill('ten');
    await dialog.getByRole('button', { name: 'Save channel' }).click();
    await dialog.getByText('Write a whole number.').waitFor();
    await dialog.getByLabel('Max alerts per message').fill('10');
    await dialog.getByRole('button', { name: 'Save channel' }).click();
    await dialog.waitFor({ state: 'detached', timeout: WAIT });
    await row.getByText('max_alerts=10').waitFor({ timeout: WAIT });
    await row.getByRole('button', { name: 'Send a test to hook' }).click();
    await row.getByTestId('channel-test-outcome').getByText('delivered').waitFor({ timeout: WAIT });
    assert.deepEqual(hits.at(-1), { path: '/hook', auth: 'Bearer s3cret' });

    // The built-in default is shown; a new route goes before its catch-all.
    await page.getByRole('tab', { name: 'Routes' }).click();
    assert.match(page.url(), /\/alerts\/routes$/);
    await page.locator('[data-testid=routes-source][data-source=default]').waitFor({ timeout: WAIT });
    await page.getByRole('button', { name: 'Add route' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByRole('checkbox', { name: 'hook', exact: true }).check();
    await dialog.getByRole('checkbox', { name: 'warning', exact: true }).check();
    await dialog.getByLabel('Matchers').fill('cluster~c');
    await dialog.getByRole('button', { name: 'Add route' }).click();
    await dialog.getByText('"cluster~c" is not a matcher').waitFor();
    // Quotes are optional, as in the API: the route is stored as cluster="c".
    await dialog.getByLabel('Matchers').fill('cluster=c');
    await dialog.getByLabel('Group wait').fill('10s');
    await dialog.getByRole('button', { name: 'Add route' }).click();
    await dialog.waitFor({ state: 'detached', timeout: WAIT });
    await page.locator('[data-testid=routes-source][data-source=api]').waitFor({ timeout: WAIT });
    await page.locator('[data-testid=routes-table] tr[data-route-index="1"]', { hasText: 'cluster="c"' }).waitFor();
    await page.screenshot({ path: screenshotPath('alerts-routes-light'), fullPage: true });

    const routes = (await (await fetch(`${mon.url}/api/v1/routes`)).json()) as { source: string; routes: Array<Record<string, unknown>> };
    assert.equal(routes.source, 'api');
    assert.deepEqual(
      routes.routes.map((r) => [r.channels, r.severity, r.matchers, r.group_wait]),
      [
        [['hook'], ['critical'], [], '0s'],
        [['hook'], ['warning'], ['cluster="c"'], '10s'],
        [['hook'], [], [], '30s'],
      ],
    );
    const channels = (await (await fetch(`${mon.url}/api/v1/channels`)).json()) as Array<{ config: Record<string, unknown>; secrets: Record<string, string> }>;
    assert.deepEqual([channels[0]!.config.max_alerts, channels[0]!.secrets], [10, { url: '[redacted]', bearer_token: '[redacted]' }]);
  });
});
