import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { startMonitor, useBrowserMonitor } from './harness.ts';

const WAIT = 20_000;

interface Stop {
  desc: string;
  ring: boolean;
}

/** focused describes the focused element and whether it shows a focus indicator (on itself, or on the label a hidden radio or switch input styles). */
function focused(page: Page): Promise<Stop> {
  return page.evaluate(() => {
    const e = document.activeElement as HTMLElement | null;
    if (!e || e === document.body) return { desc: 'body', ring: false };
    const shows = (el: Element) => {
      const cs = getComputedStyle(el);
      return (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none';
    };
    // A password field's ring is drawn on its wrapper, around the input and the show button.
    let ring = shows(e) || (e.parentElement !== null && e.parentElement.matches('.mantine-PasswordInput-input') && shows(e.parentElement));
    if (!ring && e instanceof HTMLInputElement && (e.type === 'radio' || e.type === 'checkbox')) ring = [e.nextElementSibling, e.labels?.[0]].some((l) => l && shows(l));
    const name = e.getAttribute('aria-label') ?? (e instanceof HTMLInputElement ? e.labels?.[0]?.textContent : e.textContent) ?? '';
    return { desc: `${e.tagName.toLowerCase()} "${name.trim().slice(0, 60)}"`, ring };
  });
}

/** tabUntil presses Tab (or Shift+Tab) until the focused element matches a CSS selector (or is a button with that text); every stop on the way must show a focus ring. */
async function tabUntil(page: Page, target: string | { button: string }, o: { max?: number; back?: boolean } = {}): Promise<Stop[]> {
  const selector = typeof target === 'string' ? target : 'button';
  const text = typeof target === 'string' ? null : target.button;
  const stops: Stop[] = [];
  for (let i = 0; i < (o.max ?? 40); i++) {
    await page.keyboard.press(o.back ? 'Shift+Tab' : 'Tab');
    const s = await focused(page);
    stops.push(s);
    assert.ok(s.desc === 'body' || s.ring, `no visible focus ring on ${s.desc}`);
    if (
      await page.evaluate(([sel, t]) => (document.activeElement?.matches(sel!) ?? false) && (t === null || document.activeElement?.textContent?.trim() === t), [
        selector,
        text,
      ] as const)
    )
      return stops;
  }
  throw new Error(`Tab never reached ${text ?? selector}; stops: ${stops.map((s) => s.desc).join(' → ')}`);
}

/** unnamedControls lists visible buttons, links and inputs without an accessible name (a cheap subset of axe's rules). */
function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const sel = 'button, a[href], input:not([type=hidden]), select, textarea, [role=button], [role=menuitem], [role=switch], [role=combobox], [role=tab]';
    return [...document.querySelectorAll<HTMLElement>(sel)]
      .filter((e) => e.getClientRects().length > 0 || (e instanceof HTMLInputElement && e.labels?.length))
      .filter((e) => {
        const byIds = (e.getAttribute('aria-labelledby') ?? '')
          .split(/\s+/)
          .map((id) => document.getElementById(id)?.textContent ?? '')
          .join('');
        const labels =
          e instanceof HTMLInputElement || e instanceof HTMLSelectElement || e instanceof HTMLTextAreaElement ? [...(e.labels ?? [])].map((l) => l.textContent).join('') : '';
        const name = [e.getAttribute('aria-label'), byIds, labels, e.getAttribute('title'), e.tagName === 'INPUT' ? e.getAttribute('placeholder') : e.textContent].find(
          (x) => x && x.trim(),
        );
        return !name;
      })
      .map((e) => e.outerHTML.slice(0, 120));
  });
}

/** dialogTraps checks an open dialog keeps focus inside on Tab and Shift+Tab, closes on Escape and gives focus back to its opener. */
async function dialogTraps(page: Page, opener: string): Promise<void> {
  // opener is the text of the button that opened the dialog.
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await page.waitForFunction(() => !!document.activeElement?.closest('[role=dialog]'));
  for (const key of ['Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
    await page.keyboard.press(key);
    assert.ok(await page.evaluate(() => !!document.activeElement?.closest('[role=dialog]')), `focus left the dialog after ${key}`);
  }
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await page.waitForFunction((t) => document.activeElement?.tagName === 'BUTTON' && document.activeElement.textContent?.trim() === t, opener, { timeout: 5000 });
}

describe('keyboard only: every main page and flow without a mouse', () => {
  const cluster = useCluster({ members: 3 });
  let browser: Browser;
  let page: Page;
  useBrowserMonitor(
    () => startMonitor([{ name: 'main', endpoints: cluster.get().endpoints }]),
    (s) => ({ browser, page } = s),
  );

  test('overview → skip link → cluster card (Enter) → range picker (arrows) → pin a chart from its menu', async () => {
    await page.goto('/');
    await page.locator('[data-testid=cluster-card][data-cluster=main]').waitFor({ timeout: WAIT });
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).desc, 'a "Skip to content"');
    assert.ok(await page.evaluate(() => document.activeElement!.getBoundingClientRect().top >= 0), 'the skip link shows when focused');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
    assert.deepEqual(await unnamedControls(page), []);
    await tabUntil(page, 'a[aria-label^="Cluster main"]', { max: 10 });
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/clusters\/main$/);

    await page.locator('[data-testid=topology]').waitFor({ timeout: WAIT });
    await tabUntil(page, '[data-testid=range-picker] input');
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(/range=1h/);
    assert.deepEqual(await unnamedControls(page), []);

    await tabUntil(page, '[aria-label="Pin DB size to a dashboard"]');
    await page.keyboard.press('Enter');
    await page.getByRole('menu').waitFor();
    const saved = page.waitForResponse((r) => r.url().includes('/api/v1/dashboards/') && r.request().method() === 'PUT');
    for (let i = 0; i < 5 && (await page.evaluate(() => document.activeElement?.textContent)) !== 'New dashboard'; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    assert.ok((await saved).ok());
    await page.getByRole('menu').waitFor({ state: 'detached' });
  });

  test('dashboards: a panel menu by keyboard, and the delete dialog traps focus and closes on Escape', async () => {
    await page.goto('/dashboards');
    await page.locator('[data-testid=dashboard-panel]').waitFor({ timeout: WAIT });
    assert.deepEqual(await unnamedControls(page), []);
    await tabUntil(page, '[aria-label="Panel menu of main · DB size"]');
    await page.keyboard.press('Enter');
    await page.getByRole('menu').waitFor();
    for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement?.textContent)) !== '24 h'; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=dashboard-panel][data-range="24h"]').waitFor({ timeout: WAIT });
    await page.locator('#main').focus();
    await tabUntil(page, { button: 'Delete dashboard' });
    await page.keyboard.press('Enter');
    await dialogTraps(page, 'Delete dashboard');
    assert.equal(await page.locator('[data-testid=dashboard-panel]').count(), 1, 'Escape deleted nothing');
  });

  test('alerts and settings: dialogs open with Enter, trap focus and close on Escape', async () => {
    await page.goto('/alerts');
    await page.getByRole('button', { name: 'New silence' }).waitFor({ timeout: WAIT });
    assert.deepEqual(await unnamedControls(page), []);
    await tabUntil(page, { button: 'New silence' }, { max: 80 });
    await page.keyboard.press('Enter');
    await dialogTraps(page, 'New silence');

    await page.goto('/settings');
    await page.getByRole('button', { name: 'Add cluster' }).waitFor({ timeout: WAIT });
    assert.deepEqual(await unnamedControls(page), []);
    await tabUntil(page, { button: 'Add cluster' });
    await page.keyboard.press('Enter');
    await dialogTraps(page, 'Add cluster');
  });

  test('the navigation bar: its links in order after the skip link, the current page marked on its own pages only; every route draws its page; an unknown address says so', async () => {
    await page.goto('/');
    await page.locator('[data-testid=cluster-card][data-cluster=main]').waitFor({ timeout: WAIT });
    const stops: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      const s = await focused(page);
      assert.ok(s.ring, `no visible focus ring on ${s.desc}`);
      stops.push(s.desc);
    }
    assert.deepEqual(stops, ['a "Skip to content"', 'a "etcd-monitor"', 'a "Overview"', 'a "Dashboards"', 'a "Alerts"', 'a "Settings"']);

    const current = () => page.evaluate(() => [...document.querySelectorAll('nav[aria-label=Main] a[aria-current=page]')].map((a) => a.textContent));
    const member = await page.evaluate(async () => ((await (await fetch('/api/v1/clusters/main')).json()) as { members: Array<{ name: string }> }).members[0]!.name);
    const pages: Array<[string, string, string[]]> = [
      ['/', '[data-testid=cluster-card][data-cluster=main]', ['Overview']],
      ['/clusters/main', '[data-testid=topology]', []],
      ['/dashboards', 'h2:text-is("Dashboards")', ['Dashboards']],
      ['/alerts', '[data-testid=alerts-tab-active][aria-selected=true]', ['Alerts']],
      ['/alerts/rules', '[data-testid=rules-table]', ['Alerts']],
      ['/alerts/nope', '[data-testid=alerts-tab-active][aria-selected=true]', ['Alerts']],
      ['/settings', '[data-testid=settings-clusters]', ['Settings']],
      [`/clusters/main/members/${encodeURIComponent(member)}`, `h2:text-is("${member}")`, []],
      ['/clusters/main/keys', '[data-testid=key-level], [data-testid=key-level-empty]', []],
      ['/clusters/main/console', '[data-testid=console-input]', []],
      ['/alerts/rules/extra', ':text("No such page")', ['Alerts']],
      ['/nope', ':text("No such page")', []],
    ];
    for (const [path, shows, marked] of pages) {
      await page.goto(path);
      await page.locator(shows).first().waitFor({ timeout: WAIT });
      assert.deepEqual(await current(), marked, `links marked current on ${path}`);
    }
  });

  test('login with the keyboard only', async () => {
    const secured = await startMonitor([{ name: 'main', endpoints: cluster.get().endpoints }], {
      auth: { anonymous_role: 'none' },
      env: { ETCD_MONITOR_ADMIN_PASSWORD: 'kbd-secret-pw' },
    });
    const c2 = await browser.newContext({ viewport: { width: 1280, height: 720 }, baseURL: secured.url });
    try {
      const p = await c2.newPage();
      await p.goto('/');
      await p.getByRole('heading', { name: 'Log in to etcd-monitor' }).waitFor({ timeout: WAIT });
      assert.deepEqual(await unnamedControls(p), []);
      await tabUntil(p, 'input[type=text], input:not([type])', { max: 5 });
      await p.keyboard.type('admin');
      await tabUntil(p, 'input[type=password]', { max: 3 });
      await p.keyboard.type('kbd-secret-pw');
      await p.keyboard.press('Enter');
      await p.locator('[data-testid=cluster-card][data-cluster=main]').waitFor({ timeout: WAIT });
    } finally {
      await c2.close();
      await secured.stop();
    }
  });
});
