// Web UI figures in Chromium with 50 clusters (production build of packages/web).
//
//   npm run build -w @etcd-monitor/web && node bench/ui-load.ts [runs=5]
//
// A real monitor (its own process, as `etcd-monitor serve`) watches one real 3-member etcd cluster as 45 clusters in
// groups prod/staging/dev plus 5 clusters whose endpoints refuse connections. Its `/api/v1/clusters` answer is then
// recorded and served, with the built UI, by a replay server in this process that streams every cluster once a second
// (20 ms apart) over SSE. The replay isolates the UI's own cost from the monitor's (150 member loops on this 2-core
// machine, shared with other work, make the monitor's own latency swing by seconds).
//
// Against the replay (UI cost):
// - first load of the overview, cold cache, median of `runs`: navigation timing and the time until 50 cards render;
// - initial JavaScript: gzip bytes of the entry script and its modulepreloads;
// - live update delay: frame sent → card attribute changed in the DOM, over 15 s (SSE, batching, React);
// - long tasks (> 50 ms) on the overview while 50 clusters update every second.
// Against the real monitor (end to end): one cold load, collection → DOM delay (the view's `updatedAt` is when the
// monitor evaluated the collected answer), and long tasks on a cluster page with its 18 live charts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import type { Browser } from 'playwright-core';
import { startCluster } from '@etcd-monitor/etcd/testing';
import { launchChromium, screenshotPath, startMonitor, WEB_DIST } from '../packages/web/src/e2e/harness.ts';
import { registerStatic } from '../packages/monitor/src/api/static.ts';

const progress = (m: string) => process.stderr.write(`[ui-load] ${m}\n`);

// Child mode: the real monitor in its own process, so it and the browser driver do not starve each other.
if (process.argv[2] === '--serve') {
  const mon = await startMonitor(JSON.parse(process.env.UI_LOAD_CLUSTERS!) as Array<Record<string, unknown>>);
  process.stdout.write(`${mon.url}\n`);
  process.on('SIGTERM', () => void mon.stop().then(() => process.exit(0)));
  await new Promise(() => undefined);
}

const runs = Number(process.argv[2] ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)} ms` : '—');

type Nav = { responseStart: number; dcl: number; load: number; cards: number; js: number };

/** coldLoad opens the overview in a fresh context and returns navigation timing and when 50 cards were in the DOM. */
async function coldLoad(browser: Browser, url: string, shot?: string): Promise<Nav> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: 'light' });
  try {
    const page = await ctx.newPage();
    await page.goto(url + '/', { timeout: 60_000 });
    await page.waitForFunction(`document.querySelectorAll('[data-testid=cluster-card]').length === 50`, null, { timeout: 60_000 });
    const cards = await page.evaluate<number>('performance.now()');
    // Page code is passed as strings: the root tsconfig has no DOM library.
    const t = await page.evaluate<Omit<Nav, 'cards'>>(`(() => {
      const n = performance.getEntriesByType('navigation')[0];
      const js = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.js'));
      return { responseStart: n.responseStart, dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, js: js.reduce((a, e) => a + e.encodedBodySize, 0) };
    })()`);
    if (shot) {
      await sleep(1500);
      await page.screenshot({ path: screenshotPath(shot) });
    }
    return { ...t, cards };
  } finally {
    await ctx.close();
  }
}

/** liveOverview watches the overview for 15 s: card update delays (now − data-updated-at) and long tasks. */
async function liveOverview(browser: Browser, url: string): Promise<{ delays: number[]; long: number[] }> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  try {
    const page = await ctx.newPage();
    await page.addInitScript(`
      window.__long = [];
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({ type: 'longtask', buffered: false });
    `);
    await page.goto(url + '/', { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.waitForFunction(`document.querySelectorAll('[data-testid=cluster-card]').length === 50`, null, { timeout: 60_000 });
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
    await sleep(15_000);
    return await page.evaluate<{ delays: number[]; long: number[] }>('({ delays: window.__delays, long: window.__long })');
  } finally {
    await ctx.close();
  }
}

const cluster = await startCluster({ members: 3 });
const groups = ['prod', 'staging', 'dev'];
const every = { status_interval: '2s', probe_interval: '5s', metrics_interval: '10s', timeout: '2s' };
const clusters: Array<Record<string, unknown>> = [];
for (let i = 0; i < 45; i++) clusters.push({ name: `${groups[i % 3]}-${String(i + 1).padStart(2, '0')}`, group: groups[i % 3], endpoints: cluster.endpoints, labels: { region: i % 2 ? 'eu-west' : 'us-east' }, ...every });
for (let i = 0; i < 5; i++) clusters.push({ name: `legacy-${i + 1}`, group: 'dev', endpoints: [`127.0.0.1:${1 + i}`], ...every });
progress('starting the monitor with 50 clusters in a child process');
const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], { env: { ...process.env, UI_LOAD_CLUSTERS: JSON.stringify(clusters) }, stdio: ['ignore', 'pipe', 'inherit'] });
const monUrl = await new Promise<string>((resolve, reject) => {
  child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(d.trim()));
  child.once('exit', (code) => reject(new Error(`the monitor exited with ${code}`)));
});
const replay = Fastify({ logger: false });
let browser: Browser | undefined;
try {
  let recorded: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 120; i++) {
    recorded = (await (await fetch(`${monUrl}/api/v1/clusters`)).json()) as Array<Record<string, unknown>>;
    if (recorded.filter((c) => (c.health as { status: string }).status === 'healthy').length >= 45) break;
    await sleep(500);
  }
  progress('clusters up; settling 12 s so metrics and rates exist');
  await sleep(12_000);
  recorded = (await (await fetch(`${monUrl}/api/v1/clusters`)).json()) as Array<Record<string, unknown>>;

  replay.get('/api/v1/clusters', async () => recorded.map((c) => ({ ...c, updatedAt: new Date().toISOString() })));
  replay.get('/api/v1/whoami', async () => ({ name: 'anonymous@127.0.0.1', role: 'admin' }));
  replay.get('/api/v1/stream', (_req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.write('retry: 2000\n\n');
    for (const c of recorded) res.write(`event: cluster\ndata: ${JSON.stringify({ ...c, updatedAt: new Date().toISOString() })}\n\n`);
    let i = 0;
    const t = setInterval(() => {
      const c = recorded[i++ % recorded.length]!;
      res.write(`event: cluster\ndata: ${JSON.stringify({ ...c, updatedAt: new Date().toISOString() })}\n\n`);
    }, 20);
    res.on('close', () => clearInterval(t));
  });
  registerStatic(replay, WEB_DIST);
  await replay.listen({ host: '127.0.0.1', port: 0 });
  const addr = replay.server.address();
  const replayUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

  browser = await launchChromium();
  const nav: Nav[] = [];
  for (let r = 0; r < runs; r++) {
    progress(`replay: cold load ${r + 1}/${runs}`);
    nav.push(await coldLoad(browser, replayUrl));
  }
  progress('replay: live updates for 15 s');
  const replayLive = await liveOverview(browser, replayUrl);

  progress('real monitor: cold load, live updates, cluster page');
  const real = await coldLoad(browser, monUrl, 'overview-50-light');
  const realLive = await liveOverview(browser, monUrl);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await ctx.newPage();
  await page.addInitScript(`
    window.__long = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({ type: 'longtask', buffered: false });
  `);
  await page.goto(monUrl + '/clusters/prod-01', { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.waitForFunction(`document.querySelectorAll('[data-testid=series-chart]').length === 18`, null, { timeout: 60_000 });
  // Charts are read when scrolled into view: scroll through once so all 18 are live, then measure at the top.
  for (let y = 0; y < 4000; y += 400) {
    await page.evaluate(`window.scrollTo(0, ${y})`);
    await sleep(200);
  }
  await sleep(4000);
  await page.evaluate('window.scrollTo(0, 0)');
  const drawn = await page.evaluate<number>(`document.querySelectorAll('[data-testid=series-chart] canvas').length`);
  await page.evaluate('window.__long = []');
  await sleep(15_000);
  const chartLong = await page.evaluate<number[]>('window.__long');
  await ctx.close();

  const html = readFileSync(join(WEB_DIST, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const sizes = initial.map((f) => ({ f, raw: readFileSync(join(WEB_DIST, f)).length, gz: gzipSync(readFileSync(join(WEB_DIST, f)), { level: 9 }).length }));

  console.log(`UI figures (Chromium ${browser.version()}, 1280×720, 50 clusters: 45 on one real 3-member etcd, 5 unreachable)`);
  console.log('');
  console.log(`first load of the overview, replayed API, cold cache (median of ${runs})`);
  console.log(`  responseStart          ${ms(median(nav.map((n) => n.responseStart)))}`);
  console.log(`  DOMContentLoaded       ${ms(median(nav.map((n) => n.dcl)))}`);
  console.log(`  load event             ${ms(median(nav.map((n) => n.load)))}`);
  console.log(`  50 cards rendered      ${ms(median(nav.map((n) => n.cards)))}   (runs: ${nav.map((n) => n.cards.toFixed(0)).join(', ')})`);
  console.log(`first load against the real monitor: load event ${ms(real.load)}, 50 cards ${ms(real.cards)}`);
  console.log('');
  console.log('initial JavaScript (entry + modulepreload)');
  for (const s of sizes) console.log(`  ${s.f.padEnd(34)} ${(s.raw / 1024).toFixed(1).padStart(7)} KiB raw  ${(s.gz / 1024).toFixed(1).padStart(6)} KiB gzip`);
  console.log(`  total                              ${(sizes.reduce((a, s) => a + s.raw, 0) / 1024).toFixed(1).padStart(7)} KiB raw  ${(sizes.reduce((a, s) => a + s.gz, 0) / 1024).toFixed(1).padStart(6)} KiB gzip (as served: ${(nav[0]!.js / 1024).toFixed(1)} KiB)`);
  console.log('');
  console.log(`live update delay, replayed stream (frame sent → DOM; ${replayLive.delays.length} card updates in 15 s)`);
  console.log(`  median ${ms(median(replayLive.delays))}  p95 ${ms(pct(replayLive.delays, 0.95))}  max ${ms(Math.max(...replayLive.delays))}`);
  console.log(`live update delay, real monitor (collection → DOM; ${realLive.delays.length} card updates in 15 s)`);
  console.log(`  median ${ms(median(realLive.delays))}  p95 ${ms(pct(realLive.delays, 0.95))}  max ${ms(Math.max(...realLive.delays))}`);
  console.log('');
  console.log('long tasks (> 50 ms) while live data arrives, 15 s each');
  console.log(`  overview, replay (50 updates/s)      ${replayLive.long.length} (max ${replayLive.long.length ? ms(Math.max(...replayLive.long)) : '—'})`);
  console.log(`  overview, real monitor               ${realLive.long.length} (max ${realLive.long.length ? ms(Math.max(...realLive.long)) : '—'})`);
  console.log(`  cluster page, real (${drawn}/18 charts drawn) ${chartLong.length} (max ${chartLong.length ? ms(Math.max(...chartLong)) : '—'})`);
} finally {
  await browser?.close();
  await replay.close();
  child.kill('SIGTERM');
  await once(child, 'exit');
  await cluster.stop();
}
