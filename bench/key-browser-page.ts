// The key browser PAGE at scale, in Chromium: the optional `--page` step of bench/key-browser.ts (one fill serves both),
// or on its own against a monitor that already serves a filled cluster:
//
//   node bench/key-browser-page.ts MONITOR_URL CLUSTER [FOLDER_PREFIX=/bench/] [runs=3]
//
// The keys are expected as FOLDER_PREFIX + 50 folders + many keys each (bench/key-browser.ts's layout). Measured in a
// fresh 1280×720 context each run (cold cache), from the navigation to /clusters/CLUSTER/keys:
// - the tree's first folder chain drawn (the page opens the separator's folder itself), FOLDER_PREFIX's row shown;
// - a click on FOLDER_PREFIX → its 50 folders drawn, and → their 50 counts drawn;
// - a click on one of those folders → its first 100 rows drawn; "Load more" → 200 rows drawn;
// - long tasks (PerformanceObserver 'longtask', > 50 ms) during each step, and the page's JS heap at the end
//   (V8's used heap through CDP, as is and after a forced GC).
// Times are taken inside the page (performance.now(); a click is dispatched by the page's own script, the result is
// polled every animation frame), so the driver's round trips are not in them.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, requireWebDist, screenshotPath } from '../packages/web/src/e2e/harness.ts';

/** PageRun is one cold run of the keys page: times in ms after navigation start, or of each step, and long tasks per step. */
export interface PageRun {
  /** chainMs is navigation start → FOLDER_PREFIX's row drawn (the levels above it read and drawn). */
  chainMs: number;
  /** foldersMs is the click on FOLDER_PREFIX → its 50 folders drawn. */
  foldersMs: number;
  /** countsMs is the same click → all 50 folder counts drawn. */
  countsMs: number;
  /** openMs is a click on one folder → its first 100 rows drawn. */
  openMs: number;
  /** moreMs is a click on "Load more" → 200 rows drawn. */
  moreMs: number;
  /** long holds the long tasks (ms) of each step: load (to the chain), folders (to the counts), open, more. */
  long: { load: number[]; folders: number[]; open: number[]; more: number[] };
  /** heapMB is V8's used JS heap of the page at the end, as is and after a forced GC. */
  heapMB: { used: number; afterGc: number };
  /** requests lists the API requests the page made until the counts were drawn, in order, with start and end (ms). */
  requests: Array<{ path: string; start: number; end: number }>;
}

// Page code is passed as strings: the root tsconfig has no DOM library.
const INIT = `
  window.__long = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push({ at: e.startTime, ms: e.duration }); }).observe({ type: 'longtask', buffered: true });
`;
const sel = (s: string) => JSON.stringify(s);

/** untilInPage polls `cond` (a page expression) every animation frame and returns performance.now() when it first holds. */
async function untilInPage(page: Page, what: string, cond: string, timeoutMs = 60_000): Promise<number> {
  try {
    const h = await page.waitForFunction(`(${cond}) ? performance.now() : false`, null, { polling: 'raf', timeout: timeoutMs });
    return (await h.jsonValue()) as number;
  } catch (err) {
    // What the tree showed instead, for the report.
    const shown = await page
      .evaluate<string>(`document.querySelector('[data-testid=key-level]')?.parentElement?.innerText.slice(0, 400) ?? document.body.innerText.slice(0, 400)`)
      .catch(() => '?');
    await page.screenshot({ path: screenshotPath('bench-keys-page-timeout') }).catch(() => undefined);
    throw new Error(`the keys page: ${what} did not happen in ${timeoutMs / 1000} s; the tree showed: ${JSON.stringify(shown)}`, { cause: err });
  }
}

/** clickInPage clicks the first element matching `css` from the page's own script and returns performance.now() just before. */
async function clickInPage(page: Page, css: string): Promise<number> {
  return page.evaluate<number>(
    `(() => { const el = document.querySelector(${sel(css)}); if (!el) throw new Error('no ' + ${sel(css)}); const t = performance.now(); el.click(); return t; })()`,
  );
}

/** longSince returns the durations of long tasks that started at or after `t` and before `until`. */
async function longBetween(page: Page, t: number, until = Infinity): Promise<number[]> {
  const all = await page.evaluate<Array<{ at: number; ms: number }>>('window.__long');
  return all.filter((e) => e.at >= t && e.at < until).map((e) => Math.round(e.ms));
}

/** onePageRun opens the keys page in a fresh context and walks it as PageRun describes. */
async function onePageRun(browser: Browser, url: string, cluster: string, top: string, folder: string): Promise<PageRun> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: 'light' });
  try {
    const page = await ctx.newPage();
    await page.addInitScript(INIT);
    const requests: PageRun['requests'] = [];
    let t0 = 0;
    page.on('requestfinished', (r) => {
      const u = new URL(r.url());
      if (!u.pathname.startsWith('/api/')) return;
      const tm = r.timing();
      // timing() is relative to the request's own start (ms since epoch in startTime); navigation start is t0.
      requests.push({
        path: decodeURIComponent(u.pathname.replace(/^\/api\/v1\/clusters\/[^/]+/, '') + u.search).slice(0, 90),
        start: tm.startTime - t0,
        end: tm.startTime - t0 + tm.responseEnd,
      });
    });
    await page.goto(`${url}/clusters/${encodeURIComponent(cluster)}/keys`, { waitUntil: 'commit', timeout: 60_000 });
    t0 = await page.evaluate<number>('performance.timeOrigin');
    const topRow = `[data-testid=key-folder][data-prefix=${sel(top)}]`;
    const chainMs = await untilInPage(page, `${top} row drawn`, `document.querySelector(${sel(topRow)})`);
    const level = `[data-testid=key-level][data-prefix=${sel(top)}]`;
    const clickTop = await clickInPage(page, topRow);
    const folders = await untilInPage(page, `50 folders under ${top}`, `document.querySelectorAll(${sel(`${level} > li > div > [data-testid=key-folder]`)}).length >= 50`);
    const counts = await untilInPage(page, `50 counts under ${top}`, `document.querySelectorAll(${sel(`${level} > li > div > [data-testid=key-folder-count]`)}).length >= 50`);
    await sleep(300); // late long tasks of the counts' render
    const folderRow = `[data-testid=key-folder][data-prefix=${sel(folder)}]`;
    const sub = `[data-testid=key-level][data-prefix=${sel(folder)}]`;
    const clickOpen = await clickInPage(page, folderRow);
    const opened = await untilInPage(page, `100 keys under ${folder}`, `document.querySelectorAll(${sel(`${sub} > li > [data-testid=key-leaf]`)}).length >= 100`);
    await sleep(300);
    const clickMore = await clickInPage(page, `${sub} > li > [data-testid=key-load-more]`);
    const more = await untilInPage(page, `200 keys under ${folder}`, `document.querySelectorAll(${sel(`${sub} > li > [data-testid=key-leaf]`)}).length >= 200`);
    await sleep(300);
    const cdp = await ctx.newCDPSession(page);
    const used = ((await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
    await cdp.send('HeapProfiler.collectGarbage');
    const afterGc = ((await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
    return {
      chainMs,
      foldersMs: folders - clickTop,
      countsMs: counts - clickTop,
      openMs: opened - clickOpen,
      moreMs: more - clickMore,
      long: {
        load: await longBetween(page, 0, clickTop),
        folders: await longBetween(page, clickTop, clickOpen),
        open: await longBetween(page, clickOpen, clickMore),
        more: await longBetween(page, clickMore),
      },
      heapMB: { used: used / 2 ** 20, afterGc: afterGc / 2 ** 20 },
      requests: requests.filter((r) => r.start < counts).sort((a, b) => a.start - b.start),
    };
  } finally {
    await ctx.close();
  }
}

/** measureKeysPage runs the keys page `runs` times cold (each in a fresh context), opening a different folder each run. */
export async function measureKeysPage(url: string, cluster: string, o: { top?: string; folders: string[]; runs?: number }): Promise<{ version: string; runs: PageRun[] }> {
  requireWebDist();
  const browser = await launchChromium();
  try {
    const runs: PageRun[] = [];
    for (let i = 0; i < (o.runs ?? 3); i++) runs.push(await onePageRun(browser, url, cluster, o.top ?? '/bench/', o.folders[i % o.folders.length]!));
    return { version: browser.version(), runs };
  } finally {
    await browser.close();
  }
}

/** printKeysPage prints the page's figures as rows of key-browser.ts's table (median of the runs, every run in brackets) and the requests of the first run. */
export function printKeysPage(r: { version: string; runs: PageRun[] }, top = '/bench/'): void {
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const col = (f: (p: PageRun) => number) => `${med(r.runs.map(f)).toFixed(0)} ms (${r.runs.map((p) => f(p).toFixed(0)).join(', ')})`;
  const lt = (f: (p: PageRun) => number[]) => {
    const all = r.runs.flatMap(f);
    return all.length ? `${all.length} in ${r.runs.length} runs, max ${Math.max(...all)} ms` : 'none';
  };
  console.log(`\nthe keys page in Chromium ${r.version} (1280×720, cold context each run; median (runs)); target: interactive in < 2 s`);
  console.log('| page step | time | long tasks (> 50 ms) |');
  console.log('| --- | --- | --- |');
  console.log(`| navigation → ${top} row drawn (levels above it read and drawn) | ${col((p) => p.chainMs)} | ${lt((p) => p.long.load)} |`);
  console.log(`| click ${top} → its 50 folders drawn | ${col((p) => p.foldersMs)} | ${lt((p) => p.long.folders)} |`);
  console.log(`| click ${top} → its 50 folder counts drawn | ${col((p) => p.countsMs)} | (same) |`);
  console.log(`| navigation → 50 folders drawn, with the click (sum) | ${col((p) => p.chainMs + p.foldersMs)} | — |`);
  console.log(`| click a folder → its first 100 rows drawn | ${col((p) => p.openMs)} | ${lt((p) => p.long.open)} |`);
  console.log(`| click "Load more" → 200 rows drawn | ${col((p) => p.moreMs)} | ${lt((p) => p.long.more)} |`);
  console.log(
    `| the page's JS heap at the end (V8 used / after GC) | ${med(r.runs.map((p) => p.heapMB.used)).toFixed(1)} / ${med(r.runs.map((p) => p.heapMB.afterGc)).toFixed(1)} MB | — |`,
  );
  console.log(`\nAPI requests of the first run until the counts were drawn (ms after navigation start):`);
  for (const q of r.runs[0]!.requests) console.log(`  ${q.start.toFixed(0).padStart(6)} → ${q.end.toFixed(0).padStart(6)}  ${q.path}`);
}

// On its own: node bench/key-browser-page.ts MONITOR_URL CLUSTER [FOLDER_PREFIX]
if (import.meta.main) {
  const [url, cluster, top = '/bench/', runs = '3'] = process.argv.slice(2);
  if (!url || !cluster) throw new Error('usage: node bench/key-browser-page.ts MONITOR_URL CLUSTER [FOLDER_PREFIX=/bench/]');
  const r = await measureKeysPage(url, cluster, { top, folders: [3, 17, 31].map((p) => `${top}p${String(p).padStart(2, '0')}/`), runs: Number(runs) });
  printKeysPage(r, top);
}
