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
// - 24 h of 1 s data: a dashboard of 4 panels on the `live24h` range (86,400 points per member, 3 members each,
//   1,036,800 points), served by the replay, then live for 15 s (probe values from the stream frames, the other
//   series re-read from their last point once a second): long tasks, frame times, and the time to the first draw.
// Against the real monitor (end to end): one cold load, collection → DOM delay (the view's `updatedAt` is when the
// monitor evaluated the collected answer), and long tasks on a cluster page with its 18 live charts.
//
//   node bench/ui-load.ts --day      only the 24 h case (still records the 50 clusters from the real monitor)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import type { Browser, Page } from 'playwright-core';
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

const dayOnly = process.argv.includes('--day');
const runs = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)} ms` : '—');

type Nav = { responseStart: number; dcl: number; load: number; cards: number; js: number };

/**
 * withPage runs `fn` on a page of a fresh 1280×720 context and closes the context after; with `longTasks`, the page
 * records every long task's duration in `window.__long` from its first script on.
 */
async function withPage<T>(browser: Browser, opts: { longTasks?: boolean; colorScheme?: 'light' | 'dark' }, fn: (page: Page) => Promise<T>): Promise<T> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, ...(opts.colorScheme ? { colorScheme: opts.colorScheme } : {}) });
  try {
    const page = await ctx.newPage();
    if (opts.longTasks) {
      await page.addInitScript(`
        window.__long = [];
        new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({ type: 'longtask', buffered: false });
      `);
    }
    return await fn(page);
  } finally {
    await ctx.close();
  }
}

/** coldLoad opens the overview in a fresh context and returns navigation timing and when 50 cards were in the DOM. */
async function coldLoad(browser: Browser, url: string, shot?: string): Promise<Nav> {
  return withPage(browser, { colorScheme: 'light' }, async (page) => {
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
  });
}

/** liveOverview watches the overview for 15 s: card update delays (now − data-updated-at) and long tasks. */
async function liveOverview(browser: Browser, url: string): Promise<{ delays: number[]; long: number[] }> {
  return withPage(browser, { longTasks: true }, async (page) => {
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
  });
}

/** DAY_SERIES are the dashboard panels of the 24 h case: a probe series (fed by the stream frames) and three re-read ones. */
const DAY_SERIES = ['probe_read_linearizable_ms', 'grpc_requests_rate', 'mvcc_put_rate', 'db_size_bytes'];

type Day = { firstDraw: number; loadLong: number[]; long: number[]; frames: number[]; updates: number; panels: number };

/** dayOfSeconds opens a dashboard of 24 h × 1 s panels on the replay and watches it update for 15 s. */
async function dayOfSeconds(browser: Browser, url: string, reads: { full: number; incremental: number }): Promise<Day> {
  return withPage(browser, { longTasks: true }, async (page) => {
    await page.goto(url + '/dashboards?d=day', { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.waitForFunction(
      `(() => {
      const charts = [...document.querySelectorAll('[data-testid=dashboard-panel] [data-testid=series-chart]')];
      return charts.length === ${DAY_SERIES.length} && charts.every((c) => c.querySelector('canvas') && !c.textContent.includes('Loading'));
    })()`,
      null,
      { timeout: 120_000, polling: 50 },
    );
    const firstDraw = await page.evaluate<number>('performance.now()');
    await sleep(3000);
    const loadLong = await page.evaluate<number[]>('window.__long');
    const before = reads.incremental;
    await page.evaluate(`(() => {
      window.__long = [];
      window.__frames = [];
      let last = performance.now();
      const tick = (t) => { window.__frames.push(t - last); last = t; if (!window.__stop) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    })()`);
    await sleep(15_000);
    const r = await page.evaluate<{ long: number[]; frames: number[] }>('(window.__stop = true, { long: window.__long, frames: window.__frames.slice(1) })');
    const panels = await page.evaluate<number>(`document.querySelectorAll('[data-testid=dashboard-panel] canvas').length`);
    await page.screenshot({ path: screenshotPath('dashboard-24h-1s') });
    return { firstDraw, loadLong, long: r.long, frames: r.frames, updates: reads.incremental - before, panels };
  });
}

const cluster = await startCluster({ members: 3 });
const groups = ['prod', 'staging', 'dev'];
const every = { status_interval: '2s', probe_interval: '5s', metrics_interval: '10s', timeout: '2s' };
const clusters: Array<Record<string, unknown>> = [];
for (let i = 0; i < 45; i++)
  clusters.push({
    name: `${groups[i % 3]}-${String(i + 1).padStart(2, '0')}`,
    group: groups[i % 3],
    endpoints: cluster.endpoints,
    labels: { region: i % 2 ? 'eu-west' : 'us-east' },
    ...every,
  });
for (let i = 0; i < 5; i++) clusters.push({ name: `legacy-${i + 1}`, group: 'dev', endpoints: [`127.0.0.1:${1 + i}`], ...every });
progress('starting the monitor with 50 clusters in a child process');
const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], {
  env: { ...process.env, UI_LOAD_CLUSTERS: JSON.stringify(clusters) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
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

  // Frames carry fresh probe times, as the monitor's do, so a live probe chart appends at the end.
  const fresh = (c: Record<string, unknown>) => {
    const now = Date.now();
    return {
      ...c,
      updatedAt: new Date(now).toISOString(),
      members: (c.members as Array<Record<string, unknown>>).map((m) => (m.probe ? { ...m, probe: { ...(m.probe as object), at: now } } : m)),
    };
  };
  replay.get('/api/v1/clusters', async () => recorded.map(fresh));
  const dayMembers = (recorded.find((c) => c.name === 'prod-01')!.members as Array<{ name: string }>).map((m) => m.name);
  replay.get('/api/v1/dashboards', async () => [
    {
      id: 'day',
      name: '24 h at 1 s',
      panels: DAY_SERIES.map((series) => ({ cluster: 'prod-01', series, range: 'live24h' })),
      createdAt: '2026-01-01T00:00:00Z',
      createdBy: 'bench',
      updatedAt: '2026-01-01T00:00:00Z',
      updatedBy: 'bench',
    },
  ]);
  // 24 h of 1 s samples per member (a slow sine plus noise); a live re-read gets the seconds since its `from`.
  const reads = { full: 0, incremental: 0 };
  replay.get('/api/v1/series/query', async (req, reply) => {
    const q = req.query as { series: string; from: string };
    const now = Math.floor(Date.now() / 1000) * 1000;
    const from = Math.max(Date.parse(q.from), now - 86_400_000);
    if (now - from > 3_600_000) reads.full++;
    else reads.incremental++;
    const parts: string[] = [];
    for (const [j, member] of dayMembers.entries()) {
      const pts: string[] = [];
      for (let t = Math.ceil(from / 1000) * 1000 + j * 7; t <= now; t += 1000) pts.push(`{"t":${t},"v":${(50 + 40 * Math.sin(t / 3_600_000 + j) + Math.random() * 5).toFixed(3)}}`);
      parts.push(`{"member":${JSON.stringify(member)},"points":[${pts.join(',')}]}`);
    }
    reply.header('content-type', 'application/json');
    return `{"series":${JSON.stringify(q.series)},"cluster":"prod-01","from":"${new Date(from).toISOString()}","to":"${new Date(now).toISOString()}","resolution":"raw","step":0,"points":[${parts.join(',')}]}`;
  });
  replay.get('/api/v1/whoami', async () => ({ name: 'anonymous@127.0.0.1', role: 'admin' }));
  replay.get('/api/v1/stream', (_req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.write('retry: 2000\n\n');
    for (const c of recorded) res.write(`event: cluster\ndata: ${JSON.stringify(fresh(c))}\n\n`);
    let i = 0;
    const t = setInterval(() => {
      const c = recorded[i++ % recorded.length]!;
      res.write(`event: cluster\ndata: ${JSON.stringify(fresh(c))}\n\n`);
    }, 20);
    res.on('close', () => clearInterval(t));
  });
  registerStatic(replay, WEB_DIST);
  await replay.listen({ host: '127.0.0.1', port: 0 });
  const addr = replay.server.address();
  const replayUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

  browser = await launchChromium();
  progress('replay: a dashboard of 4 × 24 h of 1 s data, live for 15 s');
  const day = await dayOfSeconds(browser, replayUrl, reads);
  const printDay = () => {
    const f = day.frames;
    console.log(`24 h of 1 s data: a dashboard of ${day.panels} panels × 3 members × 86,400 points (replayed), live for 15 s`);
    console.log(
      `  all panels drawn                ${ms(day.firstDraw)} after navigation (long tasks while loading: ${day.loadLong.length}, max ${day.loadLong.length ? ms(Math.max(...day.loadLong)) : '—'})`,
    );
    console.log(`  live re-reads answered          ${day.updates} in 15 s, plus one probe point per stream frame`);
    console.log(`  long tasks (> 50 ms) while live ${day.long.length} (max ${day.long.length ? ms(Math.max(...day.long)) : '—'})`);
    console.log(
      `  frame time while live           median ${median(f).toFixed(1)} ms  p95 ${pct(f, 0.95).toFixed(1)} ms  p99 ${pct(f, 0.99).toFixed(1)} ms  max ${Math.max(...f).toFixed(1)} ms  (${f.length} frames, ${f.filter((x) => x > 50).length} over 50 ms)`,
    );
  };
  if (dayOnly) {
    console.log(`UI figures (Chromium ${browser.version()}, 1280×720)`);
    printDay();
  }
  if (!dayOnly) {
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
    const { drawn, chartLong } = await withPage(browser, { longTasks: true }, async (page) => {
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
      return { drawn, chartLong: await page.evaluate<number[]>('window.__long') };
    });

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
    console.log(
      `  total                              ${(sizes.reduce((a, s) => a + s.raw, 0) / 1024).toFixed(1).padStart(7)} KiB raw  ${(sizes.reduce((a, s) => a + s.gz, 0) / 1024).toFixed(1).padStart(6)} KiB gzip (as served: ${(nav[0]!.js / 1024).toFixed(1)} KiB)`,
    );
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
    console.log('');
    printDay();
  }
} finally {
  await browser?.close();
  await replay.close();
  child.kill('SIGTERM');
  await once(child, 'exit');
  await cluster.stop();
}
