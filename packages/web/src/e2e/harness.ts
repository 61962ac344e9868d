import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildMonitor, parseConfig, registerStatic, type MonitorService } from '@etcd-monitor/monitor';

/** CHROMIUM is Debian's Chromium, which the browser tests drive. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** WEB_DIST is the production build the tests serve (built by `npm ci` through the root prepare script). */
export const WEB_DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/** SCREENSHOTS is the git-ignored folder the tests save page screenshots into. */
export const SCREENSHOTS = fileURLToPath(new URL('../../.screenshots/', import.meta.url));

// The flags of docs ARCHITECTURE.md: no sandbox in containers, and nothing that phones home or updates during a test.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** launchChromium starts headless Chromium, failing (not skipping) with the install command when it is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: run  sudo apt-get install -y chromium  (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/** requireWebDist fails with the build command when the UI has not been built. */
export function requireWebDist(): void {
  if (!existsSync(join(WEB_DIST, 'index.html'))) throw new Error(`the web UI is not built (${WEB_DIST}index.html is missing): run  npm run build -w @etcd-monitor/web`);
}

/** screenshotPath returns a file name in the screenshots folder, creating the folder. */
export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, `${name}.png`);
}

/** TestMonitor is a monitor serving the built UI on a free loopback port. */
export interface TestMonitor {
  svc: MonitorService;
  url: string;
  stop(): Promise<void>;
}

/**
 * startMonitor builds a monitor over the given clusters with fast intervals, serves the UI and listens on a free port.
 * `alerting` adds top-level config tables such as `channels` and `routes`.
 */
export async function startMonitor(
  clusters: Array<Record<string, unknown>>,
  o: { env?: NodeJS.ProcessEnv; auth?: Record<string, unknown>; alerting?: Record<string, unknown> } = {},
): Promise<TestMonitor> {
  requireWebDist();
  const dataDir = mkdtempSync(join(tmpdir(), 'web-e2e-'));
  const cfg = parseConfig({
    server: { listen: '127.0.0.1:0', data_dir: dataDir },
    ...(o.auth ? { auth: o.auth } : {}),
    ...o.alerting,
    clusters: clusters.map((c) => ({ status_interval: '500ms', probe_interval: '500ms', metrics_interval: '1s', timeout: '1s', ...c })),
  });
  const svc = await buildMonitor(cfg, { env: { ETCD_MONITOR_SECRET_KEY: 'web-e2e-key', ...o.env } });
  registerStatic(svc.app, WEB_DIST);
  const url = await svc.listen();
  return {
    svc,
    url,
    async stop() {
      await svc.stop().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** BrowserMonitor is what useBrowserMonitor opened: the monitor, Chromium, a light context on the monitor's URL, a page. */
export interface BrowserMonitor {
  mon: TestMonitor;
  browser: Browser;
  ctx: BrowserContext;
  page: Page;
}

/**
 * useBrowserMonitor registers a describe block's before/after hooks for driving one page of a monitor: `start` starts
 * the monitor (and what it needs first), Chromium opens a 1280-wide light context on its URL and `opened` gets all of
 * it; after the tests the context, Chromium and the monitor are closed.
 */
export function useBrowserMonitor(start: () => Promise<TestMonitor>, opened: (s: BrowserMonitor) => void, opts: { height?: number } = {}): void {
  const s = {} as Partial<BrowserMonitor>;
  before(async () => {
    s.browser = await launchChromium();
    s.mon = await start();
    s.ctx = await s.browser.newContext({ viewport: { width: 1280, height: opts.height ?? 720 }, colorScheme: 'light', baseURL: s.mon.url });
    s.page = await s.ctx.newPage();
    opened(s as BrowserMonitor);
  });
  after(async () => {
    await s.ctx?.close().catch(() => undefined);
    await s.browser?.close().catch(() => undefined);
    await s.mon?.stop();
  });
}
