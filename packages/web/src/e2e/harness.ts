import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { buildMonitor, parseConfig, type MonitorService } from '@etcd-monitor/monitor';
import { registerStatic } from '../../../monitor/src/api/static.ts';

/** CHROMIUM is Debian's Chromium, which the browser tests drive. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** WEB_DIST is the production build the tests serve (built by `npm ci` through the root prepare script). */
export const WEB_DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/** SCREENSHOTS is the git-ignored folder the tests save page screenshots into. */
export const SCREENSHOTS = fileURLToPath(new URL('../../.screenshots/', import.meta.url));

// The flags of docs ARCHITECTURE.md: no sandbox in containers, and nothing that phones home or updates during a test.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

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
