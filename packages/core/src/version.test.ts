import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitCommit } from './version.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

test('gitCommit follows a branch ref, packed refs, a detached HEAD and a worktree .git file; null without git', () => {
  const dir = mkdtempSync(join(tmpdir(), 'git-commit-'));
  try {
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, '.git', 'refs', 'heads'), { recursive: true });
    writeFileSync(join(repo, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(repo, '.git', 'refs', 'heads', 'main'), `${A}\n`);
    assert.equal(gitCommit(repo), A);

    writeFileSync(join(repo, '.git', 'HEAD'), 'ref: refs/heads/packed\n');
    writeFileSync(join(repo, '.git', 'packed-refs'), `# pack-refs with: peeled fully-peeled sorted\n${B} refs/heads/packed\n`);
    assert.equal(gitCommit(repo), B);

    writeFileSync(join(repo, '.git', 'HEAD'), `${A}\n`);
    assert.equal(gitCommit(repo), A);

    // A worktree: .git is a file naming its git dir, whose commondir points back at the main repository's refs.
    const wtGit = join(repo, '.git', 'worktrees', 'wt');
    mkdirSync(wtGit, { recursive: true });
    writeFileSync(join(wtGit, 'HEAD'), 'ref: refs/heads/packed\n');
    writeFileSync(join(wtGit, 'commondir'), '../..\n');
    const wt = join(dir, 'wt');
    mkdirSync(wt);
    writeFileSync(join(wt, '.git'), `gitdir: ${wtGit}\n`);
    assert.equal(gitCommit(wt), B);

    assert.equal(gitCommit(join(dir, 'nowhere')), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
