// Writes each notifier's keys table into its README from the notifier's field specs (secrets marked), so the README
// cannot drift from what the channel type accepts:
//   node packages/monitor/src/alerting/notify/readme.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderFieldTable, spliceFieldTable } from '@etcd-monitor/core';
import { notifiers } from './index.ts';
import type { Notifier } from './notifier.ts';

/** notifierReadmePath is where a notifier's README is. */
export function notifierReadmePath(n: Notifier<never>): string {
  return fileURLToPath(new URL(`./${n.type}/README.md`, import.meta.url));
}

/** renderNotifierReadme returns a notifier's README with its keys table regenerated from the field specs. */
export function renderNotifierReadme(n: Notifier<never>, readme: string): string {
  return spliceFieldTable(readme, renderFieldTable(n.fields));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const n of Object.values(notifiers)) {
    const path = notifierReadmePath(n);
    writeFileSync(path, renderNotifierReadme(n, readFileSync(path, 'utf8')));
  }
}
