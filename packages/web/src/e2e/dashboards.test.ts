import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { launchChromium, screenshotPath, startMonitor, type TestMonitor } from './harness.ts';

const WAIT = 20_000;

interface Board {
  id: string;
  name: string;
  panels: Array<{ cluster: string; series: string; range: string; member?: string }>;
}

describe('shared dashboards in the browser, saved on the monitor', () => {
  const cluster = useCluster({ members: 3 });
  let mon: TestMonitor;
  let browser: Browser;
  const boards = async () => (await (await fetch(`${mon.url}/api/v1/dashboards`)).json()) as Board[];

  before(async () => {
    browser = await launchChromium();
    mon = await startMonitor([{ name: 'main', endpoints: cluster.get().endpoints }]);
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await mon?.stop();
  });

  /** pin opens a chart's pin menu on the cluster page and picks a dashboard by its menu entry. */
  async function pin(page: Page, series: string, title: RegExp, into: string): Promise<void> {
    const chart = page.locator(`[data-testid=series-chart][data-series=${series}]`);
    // The previous menu may still be closing (see panelMenu below).
    await page.waitForFunction(() => document.querySelectorAll('[role=menu]').length === 0);
    await chart.scrollIntoViewIfNeeded();
    await chart.getByRole('button', { name: title }).click();
    const saved = page.waitForResponse((r) => r.url().includes('/api/v1/dashboards/') && r.request().method() === 'PUT');
    await page.getByRole('menuitem', { name: into, exact: true }).click();
    assert.ok((await saved).ok());
  }

  test('charts pinned into chosen dashboards, renamed and reordered, are there for a fresh browser', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: 'light', baseURL: mon.url });
    const page = await ctx.newPage();
    await page.goto('/clusters/main?range=1h');
    await pin(page, 'db_size_bytes', /Pin DB size to/, 'New dashboard');
    await page.getByRole('link', { name: 'Dashboards' }).click();
    const name = page.getByRole('textbox', { name: 'Name' });
    await name.fill('Storage');
    await name.press('Enter');
    await page.waitForFunction(() => document.querySelector<HTMLInputElement>('input[value="Storage"]') !== null);
    await page.getByRole('button', { name: 'New dashboard' }).click();
    await page.getByRole('textbox', { name: 'Name' }).and(page.locator('[value="Dashboard 2"]')).waitFor();
    assert.deepEqual(
      (await boards()).map((b) => b.name),
      ['Storage', 'Dashboard 2'],
    );

    // Pin two more charts into the first dashboard (chosen by name), then move the last one first and remove one.
    await page.goto('/clusters/main');
    await pin(page, 'probe_read_linearizable_ms', /Pin Probe read latency \(linearizable\) to/, 'Storage');
    await pin(page, 'open_fds', /Pin Open file descriptors to/, 'Storage');
    assert.deepEqual(
      (await boards())[0]!.panels.map((p) => [p.series, p.range]),
      [
        ['db_size_bytes', '1h'],
        ['probe_read_linearizable_ms', 'live'],
        ['open_fds', 'live'],
      ],
    );
    await page.getByRole('link', { name: 'Dashboards' }).click();
    await page.getByRole('combobox', { name: 'Dashboard' }).click();
    await page.getByRole('option', { name: 'Storage' }).click();
    await page.locator('[data-testid=dashboard-panel]').nth(2).waitFor({ timeout: WAIT });
    // A menu that just closed stays in the DOM for its closing transition: wait for it to go before the next one opens,
    // or two menus offer the same item (this flaked in CI).
    const panelMenu = async (panel: string, item: string) => {
      await page.waitForFunction(() => document.querySelectorAll('[role=menu]').length === 0);
      await page.getByRole('button', { name: `Panel menu of main · ${panel}` }).click();
      await page.getByRole('menuitem', { name: item }).click();
    };
    await panelMenu('Open file descriptors', 'Move earlier');
    await panelMenu('Open file descriptors', 'Move earlier');
    await panelMenu('Probe read latency (linearizable)', 'Remove from dashboard');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=dashboard-panel]').length === 2);
    assert.deepEqual(
      (await boards())[0]!.panels.map((p) => p.series),
      ['open_fds', 'db_size_bytes'],
    );
    await ctx.close();

    // A fresh context has no localStorage and no cache: what it shows comes from the monitor.
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: 'light', baseURL: mon.url });
    const p2 = await fresh.newPage();
    await p2.goto('/dashboards');
    await p2.getByRole('combobox', { name: 'Dashboard' }).and(p2.locator('[value="Storage"]')).waitFor({ timeout: WAIT });
    await p2.locator('[data-testid=dashboard-panel] [data-testid=series-chart][data-series=db_size_bytes] canvas').waitFor({ timeout: WAIT });
    assert.deepEqual(await p2.locator('[data-testid=dashboard-panel] [data-testid=series-chart]').evaluateAll((els) => els.map((e) => e.getAttribute('data-series'))), [
      'open_fds',
      'db_size_bytes',
    ]);
    assert.equal(await p2.locator('[data-testid=dashboard-panel]').last().getAttribute('data-range'), '1h', 'the range it was pinned with');
    await p2.screenshot({ path: screenshotPath('dashboards-shared-light') });

    // Delete "Dashboard 2" through its confirmation dialog.
    await p2.getByRole('combobox', { name: 'Dashboard' }).click();
    await p2.getByRole('option', { name: 'Dashboard 2' }).click();
    await p2.getByRole('button', { name: 'Delete dashboard' }).click();
    await p2.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await p2.getByRole('combobox', { name: 'Dashboard' }).and(p2.locator('[value="Storage"]')).waitFor({ timeout: WAIT });
    assert.deepEqual(
      (await boards()).map((b) => b.name),
      ['Storage'],
    );
    await fresh.close();
  });

  test("a browser's old localStorage dashboards are imported once, then the local copy is gone", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, baseURL: mon.url });
    const old = [
      {
        id: 'oldlocal1',
        name: 'From this browser',
        charts: [
          { cluster: 'main', series: 'db_size_bytes', title: 'DB size', unit: 'bytes' },
          { cluster: 'main', series: 'db_size_bytes', title: 'DB size', unit: 'bytes' },
        ],
      },
    ];
    await ctx.addInitScript((v) => {
      if (!sessionStorage.getItem('seeded')) {
        localStorage.setItem('etcd-monitor.dashboards.v1', v);
        sessionStorage.setItem('seeded', '1');
      }
    }, JSON.stringify(old));
    const page = await ctx.newPage();
    await page.goto('/dashboards');
    await page.waitForFunction(() => localStorage.getItem('etcd-monitor.dashboards.v1') === null, null, { timeout: WAIT });
    const imported = (await boards()).find((b) => b.id === 'oldlocal1');
    assert.deepEqual(imported?.panels, [{ cluster: 'main', series: 'db_size_bytes', range: 'live' }], 'the duplicate chart is dropped');
    await page.reload();
    await page.locator('[data-testid=dashboard-panel]').first().waitFor({ timeout: WAIT });
    assert.equal((await boards()).filter((b) => b.id === 'oldlocal1').length, 1);
    await ctx.close();
  });
});
