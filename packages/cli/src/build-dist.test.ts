import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { buildDist, rewrite } from './build-dist.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('rewrite', () => {
  const targets = new Map([['@etcd-monitor/core', '/r/packages/core/dist/index.js']]);
  test('relative .ts specifiers become .js, in imports, re-exports and URLs', () => {
    const code = `import { a } from './a.ts';\nexport * from "../b/c.ts";\nconst w = new URL('./worker.ts', import.meta.url);\nconst d = 'plugins/index.ts';`;
    assert.equal(
      rewrite(code, '/r/packages/cli/dist/x.js', targets),
      `import { a } from './a.js';\nexport * from "../b/c.js";\nconst w = new URL('./worker.js', import.meta.url);\nconst d = 'plugins/index.ts';`,
    );
  });
  test("workspace imports point at the other package's dist file", () => {
    assert.equal(rewrite(`import { x } from '@etcd-monitor/core';`, '/r/packages/cli/dist/sub/x.js', targets), `import { x } from '../../../core/dist/index.js';`);
    assert.equal(rewrite(`const m = await import('@etcd-monitor/core');`, '/r/packages/cli/dist/x.js', targets), `const m = await import('../../core/dist/index.js');`);
  });
  test('an unknown workspace export is an error, not a broken build', () => {
    assert.throws(() => rewrite(`import '@etcd-monitor/nope';`, '/r/x.js', targets), /@etcd-monitor\/nope is not an export/);
  });
});

describe('the built JavaScript runs without the TypeScript stripper', () => {
  const out = join(root, '.test-output', `dist-${process.pid}`);
  after(() => rmSync(out, { recursive: true, force: true }));
  const cluster = useCluster({ members: 1 });

  test('every line stays in place, and `status` works against a real etcd with type stripping off', async () => {
    mkdirSync(join(out, 'packages/etcd'), { recursive: true });
    const n = buildDist(out);
    assert.ok(n > 100, `${n} files`);
    // Line numbers in stack traces match src/ because types are blanked, not removed.
    for (const f of readdirSync(join(out, 'packages/monitor/dist'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'))) {
      const src = readFileSync(join(root, 'packages/monitor/src', f.replace(/\.js$/, '.ts')), 'utf8');
      const js = readFileSync(join(out, 'packages/monitor/dist', f), 'utf8');
      assert.equal(js.split('\n').length, src.split('\n').length, f);
      assert.doesNotMatch(js, /from '[^']*\.ts'/, f);
    }
    symlinkSync(join(root, 'packages/etcd/proto'), join(out, 'packages/etcd/proto'));
    const main = join(out, 'packages/cli/dist/main.js');
    const script = `const { main } = await import(${JSON.stringify(main)}); process.exitCode = await main(process.argv.slice(1));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--no-experimental-strip-types', '--input-type=module', '-e', script, 'status', '-w', 'json', '--endpoints', cluster.get().endpoints[0]!],
      { cwd: root, timeout: 30_000 },
    );
    const doc = JSON.parse(stdout) as { verdict: string; members: Array<{ isLeader: boolean }> };
    assert.equal(doc.verdict, 'healthy');
    assert.equal(doc.members[0]!.isLeader, true);
  });
});
