import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { screenshotPath, startMonitor, useBrowserMonitor, type TestMonitor } from './harness.ts';

const WAIT = 20_000;

/** loadAllCharts scrolls through the page so every lazily-read chart loads, then back to the top. */
async function loadAllCharts(page: Page): Promise<void> {
  // Step through the page: a jump to the bottom would skip the charts in between.
  await page.evaluate(async () => {
    for (let y = 0; y < document.body.scrollHeight; y += 400) {
      window.scrollTo(0, y);
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    }
  });
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=series-chart]')].every((c) => !c.textContent?.includes('Loading…')), null, { timeout: WAIT });
  await page.evaluate(() => window.scrollTo(0, 0));
}

/** shoot saves a page in both colour schemes; the app follows the system scheme by default. */
async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForFunction((s) => document.documentElement.getAttribute('data-mantine-color-scheme') === s, scheme);
    await page.screenshot({ path: screenshotPath(`${name}-${scheme}`), fullPage });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

describe('the web UI against a real monitor and a real 3-member cluster', () => {
  const cluster = useCluster({ members: 3 });
  let mon: TestMonitor;
  let browser: Browser;
  let page: Page;
  useBrowserMonitor(
    () => startMonitor([{ name: 'main', endpoints: cluster.get().endpoints, group: 'prod', labels: { env: 'test' } }]),
    (s) => ({ mon, browser, page } = s),
  );

  test('the overview shows the cluster healthy with its leader and 3/3 members up', async () => {
    await page.goto('/');
    const card = page.locator('[data-testid=cluster-card][data-cluster=main]');
    await card.and(page.locator('[data-status=healthy]')).waitFor({ timeout: WAIT });
    await page.waitForFunction(() => document.querySelector('[data-cluster=main] [data-testid=members-up]')?.textContent === '3/3 up', null, { timeout: WAIT });
    assert.match((await card.getByTestId('leader').textContent()) ?? '', /\S/);
    await page.getByTestId('live-state').and(page.locator('[data-state=live]')).waitFor({ timeout: WAIT });
    await shoot(page, 'overview');
  });

  test('the monitor serves the UI with SPA fallback, immutable assets and an uncached index', async () => {
    const index = await fetch(`${mon.url}/clusters/main`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset, html);
    const js = await fetch(`${mon.url}${asset}`);
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal((await fetch(`${mon.url}/api/v1/nope`)).status, 404);
    assert.equal((await fetch(`${mon.url}/assets/gone-1234.js`)).status, 404);
  });

  test('a cluster added in settings appears on the overview; bad input is caught inline', async () => {
    await page.goto('/settings');
    await page.getByRole('button', { name: 'Add cluster' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('second one');
    await dialog.getByLabel('Endpoints').fill('nope:port');
    await dialog.getByRole('button', { name: 'Add cluster' }).click();
    await dialog.getByText('Use letters, digits, "-", "_" or "." only.').waitFor();
    await dialog.getByText('"nope:port" is not host:port').waitFor();
    await dialog.getByLabel('Name').fill('second');
    await dialog.getByLabel('Endpoints').fill(cluster.get().endpoints[0]!);
    await dialog.getByLabel('Group').fill('staging');
    await dialog.getByRole('button', { name: 'Test connection' }).click();
    await dialog.getByTestId('connection-test').getByText('ok', { exact: false }).first().waitFor({ timeout: WAIT });
    await shoot(page, 'settings-add');
    await dialog.getByRole('button', { name: 'Add cluster' }).click();
    await dialog.waitFor({ state: 'detached', timeout: WAIT });
    await page.getByTestId('settings-clusters').getByText('second', { exact: true }).waitFor();
    await shoot(page, 'settings');
    await page.getByRole('link', { name: 'Overview' }).click();
    // The same etcd cluster as the one already watched: degraded by a duplicate_cluster warning, not healthy.
    await page.locator('[data-testid=cluster-card][data-cluster=second][data-status=degraded]').waitFor({ timeout: WAIT });
  });

  test('editing a cluster in settings keeps the settings the form does not show and the stored password', async () => {
    const created = await fetch(`${mon.url}/api/v1/clusters`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'edited',
        endpoints: ['127.0.0.1:1'],
        user: 'u',
        password: 'pw',
        status_interval: '3s',
        probe_interval: '4s',
        metrics_interval: '20s',
        timeout: '2s',
        metrics_urls: ['http://127.0.0.1:1/metrics'],
        write_probe: true,
      }),
    });
    assert.equal(created.status, 201, await created.text());
    try {
      await page.goto('/settings');
      await page.getByTestId('settings-clusters').locator('tr', { hasText: 'edited' }).getByRole('button', { name: 'Edit' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText('a password is stored').waitFor({ timeout: WAIT });
      assert.equal(await dialog.getByLabel('User').inputValue(), 'u');
      assert.equal(await dialog.getByLabel('Write probe', { exact: false }).isChecked(), true);
      await dialog.getByLabel('Group').fill('edited-group');
      await dialog.getByRole('button', { name: 'Save changes' }).click();
      await dialog.waitFor({ state: 'detached', timeout: WAIT });
      const cfg = (await (await fetch(`${mon.url}/api/v1/clusters/edited/config`)).json()) as Record<string, unknown>;
      assert.deepEqual(
        {
          group: cfg.group,
          status_interval: cfg.status_interval,
          probe_interval: cfg.probe_interval,
          metrics_interval: cfg.metrics_interval,
          timeout: cfg.timeout,
          metrics_urls: cfg.metrics_urls,
          write_probe: cfg.write_probe,
          user: cfg.user,
          has_password: cfg.has_password,
        },
        {
          group: 'edited-group',
          status_interval: '3s',
          probe_interval: '4s',
          metrics_interval: '20s',
          timeout: '2s',
          metrics_urls: ['http://127.0.0.1:1/metrics'],
          write_probe: true,
          user: 'u',
          has_password: true,
        },
      );
    } finally {
      await fetch(`${mon.url}/api/v1/clusters/edited`, { method: 'DELETE' });
    }
  });

  test('an API error shows a readable message, never a blank page', async () => {
    // A real one: adding a cluster under a taken name is a 409 with the monitor's message.
    await page.goto('/settings');
    await page.getByRole('button', { name: 'Add cluster' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('main');
    await dialog.getByLabel('Endpoints').fill('127.0.0.1:1');
    await dialog.getByRole('button', { name: 'Add cluster' }).click();
    const msg = await dialog.locator('.mantine-InputWrapper-error, [data-testid=form-error]').first().textContent({ timeout: WAIT });
    assert.match(msg ?? '', /main/);
    await page.keyboard.press('Escape');
    // A failing monitor: the overview explains and offers a retry instead of going blank.
    await page.route('**/api/v1/clusters', (r) =>
      r.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'MON_INTERNAL', message: 'internal error; see the monitor log' } }) }),
    );
    await page.goto('/');
    const err = page.getByTestId('error-state');
    await err.waitFor({ timeout: WAIT });
    assert.match((await err.textContent()) ?? '', /Could not load the clusters.*internal error; see the monitor log/);
    await shoot(page, 'error');
    await page.unroute('**/api/v1/clusters');
    // An unknown cluster is a clear empty state, too.
    await page.goto('/clusters/nope');
    await page.getByText('No cluster named "nope"').waitFor({ timeout: WAIT });
  });

  test('a lost live stream says it is reconnecting and recovers by itself', async () => {
    await page.route('**/api/v1/stream', (r) => r.abort('connectionrefused'));
    await page.goto('/');
    await page.locator('[data-testid=live-state][data-state=reconnecting]').waitFor({ timeout: WAIT });
    assert.equal(await page.getByTestId('live-state').textContent(), 'Reconnecting…');
    await page.unroute('**/api/v1/stream');
    await page.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: WAIT });
  });

  test('the alerts and dashboards pages render', async () => {
    await page.goto('/alerts');
    await page.getByRole('heading', { name: /Alert/ }).first().waitFor({ timeout: WAIT });
    await shoot(page, 'alerts');
    await page.goto('/dashboards');
    await page.getByRole('heading', { name: 'Dashboards', exact: true }).waitFor();
    await shoot(page, 'dashboards');
  });

  test('killing the leader shows the leader change on the cluster page and the alert on the alerts page without a reload', async () => {
    await page.goto('/clusters/main');
    const leaderEl = page.getByTestId('cluster-leader');
    await page.waitForFunction(() => !!document.querySelector('[data-testid=topology-node][data-leader=true]'), null, { timeout: WAIT });
    const probeChart = page.locator('[data-testid=series-chart][data-series=probe_read_linearizable_ms]');
    await probeChart.scrollIntoViewIfNeeded();
    await probeChart.locator('canvas').waitFor({ timeout: WAIT });
    await loadAllCharts(page);
    await shoot(page, 'cluster', true);
    const before = (await leaderEl.textContent())?.trim();
    const old = await cluster.get().waitForLeader();
    assert.equal(before, old.name, 'the page names the leader etcd names');
    // A marker on window proves the page is never reloaded while the change arrives.
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    await old.kill();
    await page.waitForFunction(
      (prev) => {
        const t = document.querySelector('[data-testid=cluster-leader]')?.textContent?.trim();
        return !!t && t !== prev && t !== 'none';
      },
      before,
      { timeout: WAIT },
    );
    await page.locator(`[data-testid=topology-node][data-member="${old.name}"][data-state=down]`).waitFor({ timeout: WAIT });
    await page.locator('[data-testid=event-timeline] [data-type=leader_changed], [data-testid=event-timeline] [data-type=leader_elected]').first().waitFor({ timeout: WAIT });
    await shoot(page, 'cluster-leader-killed');
    const newLeader = (await leaderEl.textContent())!.trim();
    // The alert: etcdLeaderLost fires at once and resolves when the new leader is found, so it is in the history.
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('tab', { name: 'History' }).click();
    await page
      .locator('[data-testid=alerts-history] tr', { hasText: 'etcdLeaderLost' })
      .first()
      .waitFor({ timeout: WAIT })
      .catch(async (err: unknown) => {
        const a = await (await fetch(`${mon.url}/api/v1/alerts`)).text();
        const h = await (await fetch(`${mon.url}/api/v1/alerts/history`)).text();
        await page.screenshot({ path: screenshotPath('debug-alerts') });
        throw new Error(`no etcdLeaderLost in the alert history; alerts: ${a.slice(0, 600)} history: ${h.slice(0, 600)}`, { cause: err });
      });
    await shoot(page, 'alerts-after-leader-kill');
    assert.equal(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload), true);
    await page.goto(`/clusters/main/members/${encodeURIComponent(newLeader)}`);
    await page.getByText('Read probe (linearizable / serializable)').waitFor({ timeout: WAIT });
    await loadAllCharts(page);
    await shoot(page, 'member', true);
  });

  test('a chart pinned from a cluster page shows on the dashboards page', async () => {
    await page.goto('/clusters/main');
    const chart = page.locator('[data-testid=series-chart][data-series=db_size_bytes]');
    await chart.scrollIntoViewIfNeeded();
    await chart.getByRole('button', { name: /Pin DB size/ }).click();
    await page.getByRole('menuitem', { name: 'New dashboard' }).click();
    await page.getByRole('link', { name: 'Dashboards' }).click();
    await page.locator('[data-testid=series-chart][data-series=db_size_bytes] canvas').waitFor({ timeout: WAIT });
    await shoot(page, 'dashboards-pinned');
  });

  test('a monitor that needs a session shows the login page, and logging in opens the overview', async () => {
    const secured = await startMonitor([{ name: 'main', endpoints: cluster.get().endpoints.slice(1) }], {
      auth: { anonymous_role: 'none' },
      env: { ETCD_MONITOR_ADMIN_PASSWORD: 'e2e-secret-pw' },
    });
    const c2 = await browser.newContext({ viewport: { width: 1280, height: 720 }, baseURL: secured.url });
    try {
      const p = await c2.newPage();
      await p.goto('/');
      await p.getByRole('heading', { name: 'Log in to etcd-monitor' }).waitFor({ timeout: WAIT });
      await shoot(p, 'login');
      await p.getByLabel('User').fill('admin');
      await p.getByRole('textbox', { name: 'Password' }).fill('wrong');
      await p.getByRole('button', { name: 'Log in' }).click();
      await p.getByRole('alert').waitFor();
      await p.getByRole('textbox', { name: 'Password' }).fill('e2e-secret-pw');
      await p.getByRole('button', { name: 'Log in' }).click();
      await p.locator('[data-testid=cluster-card][data-cluster=main]').waitFor({ timeout: WAIT });
    } finally {
      await c2.close();
      await secured.stop();
    }
  });
});
