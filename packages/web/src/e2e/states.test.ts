import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { freePorts } from '@etcd-monitor/core/testing';
import { screenshotPath, startMonitor, useBrowserMonitor } from './harness.ts';

const WAIT = 20_000;
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** AxeViolation is the part of an axe-core result the test reports. */
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

/** axeViolations runs axe-core's WCAG 2.1 A/AA rules on the page as it is now. */
async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
}

/**
 * checkPage opens a page, waits for what must be on it, fails on the error boundary, saves it in both themes and runs
 * axe-core in both; it returns every violation found, labelled with the page, state and theme.
 */
async function checkPage(page: Page, path: string, ready: string, name: string): Promise<string[]> {
  const problems: string[] = [];
  // The page as it is now when it is already open: what was clicked open on it is part of the state checked.
  if (path !== page.url()) await page.goto(path);
  await page.locator(ready).first().waitFor({ timeout: WAIT });
  // Colours caught mid-transition (a theme switch fades them) are blends no user reads: measure the settled page.
  await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; animation: none !important; }' });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForFunction((s) => document.documentElement.getAttribute('data-mantine-color-scheme') === s, scheme);
    const crashed = await page.getByText('This page failed to draw').count();
    assert.equal(crashed, 0, `${name} (${scheme}) shows the error boundary: ${await page.locator('body').innerText()}`);
    await page.screenshot({ path: screenshotPath(`state-${name}-${scheme}`), fullPage: true });
    for (const v of await axeViolations(page)) {
      problems.push(
        `${name} ${scheme}: ${v.id} (${v.help}) on ${v.nodes.length} node(s): ${v.nodes
          .slice(0, 3)
          .map((n) => `${n.target.join(' ')} — ${n.failureSummary ?? ''}`)
          .join(' | ')}`,
      );
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return problems;
}

describe('every page in every cluster state (healthy, one member down, never reached, empty) in both themes', () => {
  const cluster = useCluster({ members: 3 });
  let page: Page;
  let closed: number[] = [];
  useBrowserMonitor(
    async () => {
      // A port nothing listens on: the monitor never reaches this cluster, as with a wrong port typed in Settings.
      // Two members: sorting them is what once failed on their missing names.
      closed = await freePorts(2);
      return startMonitor([
        { name: 'main', endpoints: cluster.get().endpoints },
        { name: 'never', endpoints: closed.map((p) => `127.0.0.1:${p}`) },
      ]);
    },
    (s) => ({ page } = s),
    { height: 900 },
  );

  const problems: string[] = [];

  test('a cluster the monitor has never reached renders its overview card, cluster page and member page', async () => {
    await page.goto('/');
    await page.locator('[data-testid=cluster-card][data-cluster=never][data-status=unreachable]').waitFor({ timeout: WAIT });
    problems.push(...(await checkPage(page, '/', '[data-testid=cluster-card][data-cluster=never]', 'overview-never')));
    problems.push(...(await checkPage(page, '/clusters/never', '[data-testid=member-table]', 'cluster-never')));
    // The member has no name and no id yet: the table links it by its endpoint.
    const link = page.getByTestId('member-table').getByRole('link').first();
    assert.match((await link.textContent()) ?? '', new RegExp(`127\\.0\\.0\\.1:(${closed.join('|')})`));
    // A member never reached has no role the monitor could know.
    assert.doesNotMatch((await page.getByTestId('member-table').textContent()) ?? '', /follower|leader/);
    await link.click();
    await page.getByRole('heading', { level: 2 }).waitFor({ timeout: WAIT });
    problems.push(...(await checkPage(page, page.url(), 'h2', 'member-never')));
    // The key browser says it cannot read the keys; the console draws (it calls nothing until a command is run).
    problems.push(...(await checkPage(page, '/clusters/never/keys', '[data-testid=key-level-error]', 'keys-never')));
    problems.push(...(await checkPage(page, '/clusters/never/console', 'h2', 'console-never')));
  });

  test('a healthy cluster renders every page', async () => {
    await page.goto('/');
    await page.locator('[data-testid=cluster-card][data-cluster=main][data-status=healthy]').waitFor({ timeout: WAIT });
    // A cluster with no keys yet: the key browser's empty tree.
    problems.push(...(await checkPage(page, '/clusters/main/keys', '[data-testid=key-level-empty]', 'keys-empty')));
    for (const v of ['{"replicas":2,"image":"etcd"}', '{"replicas":3,"image":"etcd"}']) {
      const put = await cluster.get().etcdctl(['put', '/app/config', v]);
      assert.equal(put.code, 0, put.stderr);
    }
    problems.push(...(await checkPage(page, '/clusters/main/keys?key=%2Fapp%2Fconfig', '[data-testid=key-panel] [data-testid=value-view]', 'keys-healthy')));
    await page.getByTestId('tab-history').click();
    await page.getByTestId('history-diff').waitFor({ timeout: WAIT });
    await page.getByTestId('stats-scan').click();
    await page.getByTestId('stats-row').first().waitFor({ timeout: WAIT });
    problems.push(...(await checkPage(page, page.url(), '[data-testid=history-diff]', 'keys-healthy-history')));
    await page.goto('/clusters/main/console');
    for (const line of ['get --prefix /app/', 'get --prefix /app/ -w table', 'member list', 'endpoint status --cluster -w table', 'endpoint health --cluster']) {
      await page.getByTestId('console-input').fill(line);
      await page.getByTestId('console-input').press('Enter');
    }
    await page.getByTestId('console-table').waitFor({ timeout: WAIT });
    await page.getByTestId('console-text').filter({ hasText: 'is healthy: successfully committed proposal' }).waitFor({ timeout: WAIT });
    problems.push(...(await checkPage(page, page.url(), '[data-testid=console-input]', 'console-healthy')));
    // A destructive command's confirmation dialog, open.
    await page.getByTestId('console-input').fill('defrag --cluster');
    await page.getByTestId('console-input').press('Enter');
    problems.push(...(await checkPage(page, page.url(), '[data-testid=confirm-run]', 'console-confirm')));
    await page.getByTestId('confirm-cancel').click();
    problems.push(...(await checkPage(page, '/clusters/main', '[data-testid=topology-node][data-leader=true]', 'cluster-healthy')));
    // Legends carry each member's latest value without hovering; the header value says whose it is.
    const chart = page.locator('[data-testid=series-chart][data-series=db_size_bytes]');
    await chart.scrollIntoViewIfNeeded();
    await page.waitForFunction(
      () => {
        const spans = [...document.querySelectorAll('[data-series=db_size_bytes] [data-testid=chart-legend] > span')];
        return spans.length === 3 && spans.every((e) => /: \d/.test(e.textContent ?? ''));
      },
      null,
      { timeout: WAIT },
    );
    assert.match((await chart.getByTestId('chart-top').textContent()) ?? '', /KiB|MiB · etcd-\d/);
    // An hour's chart reads 15 s buckets and shades each member's min–max, so a short spike is not averaged away.
    await page.goto('/clusters/main?range=1h');
    const hourly = page.locator('[data-testid=series-chart][data-series=db_size_bytes]');
    await hourly.scrollIntoViewIfNeeded();
    await hourly.getByTestId('chart-legend').waitFor({ timeout: WAIT });
    assert.match((await hourly.getByTestId('chart-legend').getAttribute('title')) ?? '', /averages per 15s; shaded: min–max/);
    const m = cluster.get().members[0]!;
    problems.push(...(await checkPage(page, `/clusters/main/members/${m.name}`, 'h2', 'member-healthy')));
    // Grafana's etcd dashboard parity: client charts, and the member's gRPC requests by method and code.
    await page.locator('[data-testid=series-chart][data-series=watch_streams]').waitFor({ timeout: WAIT });
    await page.locator('[data-testid=grpc-table] tr[data-method=Range][data-code=OK]').waitFor({ timeout: WAIT });
    assert.match((await page.locator('[data-testid=series-chart][data-series=watch_streams]').textContent()) ?? '', /Open watch streams/);
    // Each alerts tab has its own address, so an operator can link to it.
    for (const tab of ['', 'history', 'silences', 'rules', 'channels', 'routes', 'deliveries']) {
      problems.push(...(await checkPage(page, `/alerts${tab ? `/${tab}` : ''}`, '[role=tabpanel] h4', `alerts-${tab || 'active'}`)));
      assert.equal(await page.getByRole('tab', { selected: true }).getAttribute('data-testid'), `alerts-tab-${tab || 'active'}`);
    }
    problems.push(...(await checkPage(page, '/dashboards', 'h2', 'dashboards-empty')));
    problems.push(...(await checkPage(page, '/settings', '[data-testid=settings-clusters]', 'settings')));
  });

  test('a cluster with one member down marks the member down and its last numbers stale', async () => {
    const victim = cluster.get().members.find((m) => m.state === 'running' && m !== undefined)!;
    await victim.kill();
    await page.goto('/clusters/main');
    await page.locator(`[data-testid=topology-node][data-member="${victim.name}"][data-state=down]`).waitFor({ timeout: WAIT });
    const row = page.locator(`[data-testid=member-table] tr[data-member="${victim.name}"]`);
    await row.locator('[data-stale=true]').first().waitFor({ timeout: WAIT });
    problems.push(...(await checkPage(page, '/', '[data-testid=cluster-card][data-cluster=main]', 'overview-degraded')));
    problems.push(...(await checkPage(page, '/clusters/main', '[data-testid=member-table]', 'cluster-degraded')));
    problems.push(...(await checkPage(page, `/clusters/main/members/${victim.name}`, 'h2', 'member-down')));
  });

  test('a monitor with no clusters shows the empty overview', async () => {
    // With nothing configured the monitor watches 127.0.0.1:2379 as "local", an API-made cluster: removing it empties it.
    const empty = await startMonitor([]);
    try {
      assert.equal((await fetch(`${empty.url}/api/v1/clusters/local`, { method: 'DELETE' })).status, 204);
      await page.goto(empty.url);
      problems.push(...(await checkPage(page, empty.url, '[data-testid=empty-state]', 'overview-empty')));
    } finally {
      await empty.stop();
    }
  });

  test('no page breaks WCAG 2.1 AA (axe-core) in either theme', () => {
    assert.deepEqual(problems, [], `${problems.length} page/theme combinations with violations:\n${problems.join('\n')}`);
  });
});
