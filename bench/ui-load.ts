// Web UI figures in Chromium against a real monitor watching 50 clusters (production build of packages/web).
//
//   npm run build -w @etcd-monitor/web && node bench/ui-load.ts [runs=5]
//
// One real 3-member etcd cluster is watched as 45 clusters (15 each in groups prod, staging, dev) plus 5 clusters
// whose endpoints refuse connections (unreachable), all with the monitor's default intervals. It prints:
// - first load of the overview, cold cache, median of `runs`: navigation timing (responseStart, DOMContentLoaded,
//   load) and the time until all 50 cluster cards are in the DOM;
// - initial JavaScript: gzip bytes of the entry script and its modulepreloads (as served) and their total;
// - live update delay: for 15 s, each time a card re-renders, now − the cluster view's `updatedAt` (the instant the
//   monitor evaluated the collected answer), so it covers SSE coalescing, transfer, batching and React;
// - long tasks (> 50 ms) while the overview and then the cluster page with its 18 live charts update, 15 s each.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCluster } from '@etcd-monitor/etcd/testing';
import { launchChromium, screenshotPath, startMonitor, WEB_DIST } from '../packages/web/src/e2e/harness.ts';

const runs = Number(process.argv[2] ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
const ms = (n: number) => `${n.toFixed(0)} ms`;

const progress = (m: string) => process.stderr.write(`[ui-load] ${m}\n`);

// Child mode: the monitor runs in its own process (as `etcd-monitor serve` does), so the browser driver here is never
// starved by it and the figures are the UI's, not this script's.
if (process.argv[2] === '--serve') {
  const mon = await startMonitor(JSON.parse(process.env.UI_LOAD_CLUSTERS!) as Array<Record<string, unknown>>);
  process.stdout.write(`${mon.url}\n`);
  process.on('SIGTERM', () => void mon.stop().then(() => process.exit(0)));
  await new Promise(() => undefined);
}

const cluster = await startCluster({ members: 3 });
const groups = ['prod', 'staging', 'dev'];
// Intervals 2 s / 5 s / 10 s instead of 1 s / 2 s / 5 s: 150 member loops at the defaults saturate one of this
// machine's two cores, which would measure the monitor rather than the UI.
const every = { status_interval: '2s', probe_interval: '5s', metrics_interval: '10s', timeout: '2s' };
const clusters: Array<Record<string, unknown>> = [];
for (let i = 0; i < 45; i++) clusters.push({ name: `${groups[i % 3]}-${String(i + 1).padStart(2, '0')}`, group: groups[i % 3], endpoints: cluster.endpoints, labels: { region: i % 2 ? 'eu-west' : 'us-east' }, ...every });
for (let i = 0; i < 5; i++) clusters.push({ name: `legacy-${i + 1}`, group: 'dev', endpoints: [`127.0.0.1:${1 + i}`], ...every });
progress('starting the monitor with 50 clusters in a child process');
const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], { env: { ...process.env, UI_LOAD_CLUSTERS: JSON.stringify(clusters) }, stdio: ['ignore', 'pipe', 'inherit'] });
const mon = {
  url: await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(d.trim()));
    child.once('exit', (code) => reject(new Error(`the monitor exited with ${code}`)));
  }),
  stop: async () => {
    child.kill('SIGTERM');
    await once(child, 'exit');
  },
};
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
try {
  // Let every cluster get its first status and metrics before measuring.
  for (let i = 0; i < 60; i++) {
    const list = (await (await fetch(`${mon.url}/api/v1/clusters`)).json()) as Array<{ health: { status: string } }>;
    if (list.filter((c) => c.health.status === 'healthy').length >= 45) break;
    await sleep(500);
  }
  progress('clusters up; settling 6 s');
  await sleep(6000);
  browser = await launchChromium();
  browser.on('disconnected', () => progress('Chromium exited'));

  const nav: Array<{ responseStart: number; dcl: number; load: number; cards: number }> = [];
  let jsTransferred = 0;
  for (let r = 0; r < runs; r++) {
    progress(`cold load ${r + 1}/${runs}`);
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: 'light' });
    const page = await ctx.newPage();
    page.on('crash', () => progress('page crashed'));
    await page.goto(mon.url + '/');
    progress('loaded; waiting for 50 cards');
    await page.waitForFunction(`document.querySelectorAll('[data-testid=cluster-card]').length === 50`, null, { timeout: 30_000 });
    const cards = await page.evaluate<number>('performance.now()');
    // Page code is passed as strings: the root tsconfig has no DOM library.
    const t = await page.evaluate<{ responseStart: number; dcl: number; load: number; js: number }>(`(() => {
      const n = performance.getEntriesByType('navigation')[0];
      const js = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.js'));
      return { responseStart: n.responseStart, dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, js: js.reduce((a, e) => a + e.encodedBodySize, 0) };
    })()`);
    nav.push({ responseStart: t.responseStart, dcl: t.dcl, load: t.load, cards });
    jsTransferred = t.js;
    if (r === 0) await page.screenshot({ path: screenshotPath('overview-50-light') });
    await ctx.close();
  }

  const html = readFileSync(join(WEB_DIST, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const sizes = initial.map((f) => ({ f, raw: readFileSync(join(WEB_DIST, f)).length, gz: gzipSync(readFileSync(join(WEB_DIST, f)), { level: 9 }).length }));

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await ctx.newPage();
  await page.addInitScript(`
    window.__long = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({ type: 'longtask', buffered: false });
  `);
  await page.goto(mon.url + '/');
  await page.waitForFunction(`document.querySelectorAll('[data-testid=cluster-card]').length === 50`);
  await sleep(2000);
  await page.evaluate(`(() => {
    window.__delays = [];
    window.__long = [];
    new MutationObserver((muts) => {
      const now = Date.now();
      for (const m of muts) {
        const at = m.target.getAttribute('data-updated-at');
        if (at) window.__delays.push(now - Date.parse(at));
      }
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-updated-at'] });
  })()`);
  progress('measuring live updates on the overview for 15 s');
  await sleep(15_000);
  const live = await page.evaluate<{ delays: number[]; long: number[] }>('({ delays: window.__delays, long: window.__long })');
  progress('measuring the cluster page for 15 s');
  await page.goto(mon.url + '/clusters/prod-01');
  await page.waitForFunction(`document.querySelectorAll('[data-testid=series-chart]').length === 18`, null, { timeout: 30_000 });
  // Charts are read when scrolled into view: scroll through once so all 18 are live, then measure at the top.
  for (let y = 0; y < 4000; y += 400) {
    await page.evaluate(`window.scrollTo(0, ${y})`);
    await sleep(150);
  }
  await sleep(3000);
  await page.evaluate('window.scrollTo(0, 0)');
  await sleep(2000);
  const drawn = await page.evaluate<number>(`document.querySelectorAll('[data-testid=series-chart] canvas').length`);
  await page.screenshot({ path: screenshotPath('cluster-50-light'), fullPage: true });
  await page.evaluate('window.__long = []');
  await sleep(15_000);
  const chartLong = await page.evaluate<number[]>('window.__long');
  await ctx.close();

  console.log(`UI figures (Chromium ${browser.version()}, ${runs} cold loads, 50 clusters: 45 on one real 3-member etcd, 5 unreachable)`);
  console.log('');
  console.log('first load of the overview (median)');
  console.log(`  responseStart          ${ms(median(nav.map((n) => n.responseStart)))}`);
  console.log(`  DOMContentLoaded       ${ms(median(nav.map((n) => n.dcl)))}`);
  console.log(`  load event             ${ms(median(nav.map((n) => n.load)))}`);
  console.log(`  50 cards rendered      ${ms(median(nav.map((n) => n.cards)))}   (all runs: ${nav.map((n) => n.cards.toFixed(0)).join(', ')})`);
  console.log('');
  console.log('initial JavaScript (entry + modulepreload)');
  for (const s of sizes) console.log(`  ${s.f.padEnd(34)} ${(s.raw / 1024).toFixed(1).padStart(7)} KiB raw  ${(s.gz / 1024).toFixed(1).padStart(6)} KiB gzip`);
  console.log(`  total                              ${(sizes.reduce((a, s) => a + s.raw, 0) / 1024).toFixed(1).padStart(7)} KiB raw  ${(sizes.reduce((a, s) => a + s.gz, 0) / 1024).toFixed(1).padStart(6)} KiB gzip (as served: ${(jsTransferred / 1024).toFixed(1)} KiB)`);
  console.log('');
  console.log(`live update delay on the overview (collection → DOM, ${live.delays.length} card updates in 15 s)`);
  console.log(`  median ${ms(median(live.delays))}  p95 ${ms(pct(live.delays, 0.95))}  max ${ms(Math.max(...live.delays))}`);
  console.log('');
  console.log('long tasks (> 50 ms) while live data arrives, 15 s each');
  console.log(`  overview (50 cards)              ${live.long.length} (max ${live.long.length ? ms(Math.max(...live.long)) : '—'})`);
  console.log(`  cluster page (${drawn} of 18 charts drawn) ${chartLong.length} (max ${chartLong.length ? ms(Math.max(...chartLong)) : '—'})`);
} finally {
  await browser?.close();
  await mon.stop();
  await cluster.stop();
}
