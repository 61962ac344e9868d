import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import { buildProgram } from './main.ts';

const DOC = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');

interface Section {
  level: number;
  title: string;
  anchor: string;
  text: string;
}

/** anchor is GitHub's heading slug: lower case, punctuation dropped, spaces to hyphens. */
function anchor(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

/** sections splits the document at its headings; a section runs to the next heading of the same or a higher level. */
function sections(md: string): Section[] {
  const lines = md.split('\n');
  const heads: Array<{ line: number; level: number; title: string }> = [];
  let fenced = false;
  lines.forEach((l, i) => {
    if (l.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^(#{1,6})\s+(.*)$/.exec(l);
    if (m) heads.push({ line: i, level: m[1]!.length, title: m[2]!.trim() });
  });
  return heads.map((h, i) => {
    const end = heads.slice(i + 1).find((n) => n.level <= h.level)?.line ?? lines.length;
    return { level: h.level, title: h.title, anchor: anchor(h.title), text: lines.slice(h.line, end).join('\n') };
  });
}

const all = sections(DOC);

/** reachable is a command's section and the sections it links to (`[connection flags](#connection-flags-as-etcdctl)`). */
function reachable(s: Section): string {
  const linked = [...s.text.matchAll(/\]\(#([^)]+)\)/g)].map((m) => all.find((x) => x.anchor === m[1]));
  return [s.text, ...linked.map((x) => x?.text ?? '')].join('\n');
}

function commandTree(): Array<{ path: string; cmd: Command }> {
  const io = { out: new PassThrough(), err: new PassThrough(), env: {} };
  const out: Array<{ path: string; cmd: Command }> = [];
  const walk = (cmd: Command, prefix: string) => {
    for (const c of cmd.commands) {
      const path = `${prefix}${c.name()}`;
      out.push({ path, cmd: c });
      walk(c, `${path} `);
    }
  };
  walk(
    buildProgram(io, () => {}),
    '',
  );
  return out;
}

/** mentions tells whether a text names a flag as a whole word (`--cert` is not found in `--cacert`). */
function mentions(text: string, flag: string): boolean {
  return new RegExp(`(?<![\\w-])${flag}(?![\\w-])`).test(text);
}

const commandSection = (path: string) => all.find((s) => s.title === `\`etcd-monitor ${path}\``);

test('docs/cli.md has a section for every command, with its usage, exit status and an example', () => {
  const missing: string[] = [];
  for (const { path, cmd } of commandTree()) {
    const s = commandSection(path);
    if (!s) {
      missing.push(`no section titled \`etcd-monitor ${path}\``);
      continue;
    }
    if (cmd.commands.length) continue; // a group: its subcommands carry the details
    if (!/Exit status/.test(reachable(s))) missing.push(`etcd-monitor ${path}: no "Exit status"`);
    const examples = [...s.text.matchAll(/```(?:sh|console)\n([\s\S]*?)```/g)].map((m) => m[1]!);
    if (!examples.some((e) => e.includes(`etcd-monitor ${path}`))) missing.push(`etcd-monitor ${path}: no \`\`\`sh example that runs it`);
    for (const a of cmd.registeredArguments) {
      const shown = `<${a.name()}${a.variadic ? '...' : ''}>`;
      if (!s.text.includes(shown)) missing.push(`etcd-monitor ${path}: argument ${shown} not in its section`);
    }
  }
  assert.deepEqual(missing, [], 'document the command in docs/cli.md (compare with `npx etcd-monitor <command> --help`)');
});

test('docs/cli.md documents every flag of every command, in its section or a flags table it links to', () => {
  const missing: string[] = [];
  const program = buildProgram({ out: new PassThrough(), err: new PassThrough(), env: {} }, () => {});
  // The program's own flags (--version) belong in the text before the first command.
  const intro = DOC.slice(0, DOC.indexOf('\n## '));
  for (const o of program.options) for (const f of [o.long, o.short]) if (f && !mentions(intro, f)) missing.push(`etcd-monitor ${f}: not in the introduction`);
  for (const { path, cmd } of commandTree()) {
    const s = commandSection(path);
    if (!s) continue; // reported by the test above
    const text = reachable(s);
    for (const o of cmd.options) {
      for (const f of [o.long, o.short]) if (f && !mentions(text, f)) missing.push(`etcd-monitor ${path} ${f}`);
    }
  }
  assert.deepEqual(missing, [], 'add these flags to docs/cli.md (compare with `npx etcd-monitor <command> --help`)');
});

test('every command docs/cli.md documents exists', () => {
  const real = new Set(commandTree().map((c) => c.path));
  const stale = all.map((s) => /^`etcd-monitor ([a-z -]+)`$/.exec(s.title)?.[1]).filter((p): p is string => p !== undefined && !real.has(p));
  assert.deepEqual(stale, []);
});
