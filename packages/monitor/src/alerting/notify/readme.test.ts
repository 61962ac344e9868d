import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { notifiers } from './index.ts';
import { notifierReadmePath, renderNotifierReadme } from './readme.ts';

test('every notifier README has the keys table its field specs give', () => {
  for (const n of Object.values(notifiers)) {
    const readme = readFileSync(notifierReadmePath(n), 'utf8');
    assert.ok(readme === renderNotifierReadme(n, readme), `notify/${n.type}/README.md is stale: regenerate it with  node packages/monitor/src/alerting/notify/readme.ts`);
  }
});
