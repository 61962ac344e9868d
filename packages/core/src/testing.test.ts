import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './testing.ts';

test('tempDir is removed when its test ends, a failing one too, and with the file when no test context is given', () => {
  const dir = tempDir('temp-dir-test');
  const script = join(dir, 'child.test.mjs');
  writeFileSync(
    script,
    `
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from ${JSON.stringify(new URL('./testing.ts', import.meta.url).href)};
test('fails after making a directory', (t) => {
  const d = tempDir('child-a', t);
  writeFileSync(join(d, 'file'), 'x');
  console.log('A=' + d);
  throw new Error('boom');
});
const b = tempDir('child-b');
console.log('B=' + b);
test('sees the file-level directory until the file ends', () => {
  writeFileSync(join(b, 'file'), 'x');
  console.log('B is there');
});
`,
  );
  // Run on its own (not as a subtest of this run), so its output is plain text.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', env });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const a = /^A=(.+)$/m.exec(r.stdout)?.[1];
  const b = /^B=(.+)$/m.exec(r.stdout)?.[1];
  assert.ok(a && b, r.stdout);
  assert.ok(!existsSync(a), `${a} was left behind by a failing test`);
  assert.ok(!existsSync(b), `${b} was left behind after the file's tests`);
  assert.match(r.stdout, /^B is there$/m);
});
