import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CTL_COMMANDS, CTL_GLOBAL_FLAGS } from '@etcd-monitor/core/parse';

const DOC = readFileSync(new URL('../../../../docs/cli.md', import.meta.url), 'utf8');
const section = DOC.slice(DOC.indexOf('## `etcd-monitor ctl`'));

test('docs/cli.md documents every ctl command and every flag it takes', () => {
  const missing: string[] = [];
  for (const c of CTL_COMMANDS) {
    const [first, second] = c.path.split(' ');
    if (!section.includes(`\`${c.path}\``) && !(second && section.includes(`\`${first} `) && section.includes(`\`${second}\``))) missing.push(`command ${c.path}`);
    for (const f of c.flags) if (!new RegExp(`--${f.name}(?![\\w-])`).test(section)) missing.push(`${c.path} --${f.name}`);
  }
  for (const f of CTL_GLOBAL_FLAGS) if (!new RegExp(`--${f.name}(?![\\w-])`).test(section)) missing.push(`global --${f.name}`);
  assert.deepEqual(missing, []);
});
