// The cache's two tiers: an LRU in memory bounded in bytes, and an optional directory of files (one per entry: a JSON
// head, then the body) bounded in bytes too, whose index is rebuilt from the files when the gateway starts.
import { closeSync, mkdirSync, openSync, readSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** Meta is what the cache keeps of a response besides its body. */
export interface Meta {
  /** key is the entry's full key (primary key and the request's values of the Vary headers). */
  key: string;
  /** primary is the key without the Vary values: method-less URL, host, namespace and `headers` values. */
  primary: string;
  /** vary are the request headers (lower case) the response varies by. */
  vary: string[];
  /** status is the response status. */
  status: number;
  /** headers are the response headers as stored. */
  headers: Record<string, string | string[]>;
  /** date is when the response was generated (ms), its upstream Age taken off. */
  date: number;
  /** fresh is until when the entry is fresh (ms). */
  fresh: number;
  /** swr is until when the stale entry may be served while it is fetched again (ms). */
  swr: number;
  /** sie is until when the stale entry may be served in place of an upstream error (ms). */
  sie: number;
  /** size is the body's length in bytes. */
  size: number;
}

/** Entry is a cached response: its meta and, in memory, its body. */
export interface Entry extends Meta {
  /** body is the body in memory; undefined for an entry read from disk (see DiskStore.file). */
  body: Buffer | undefined;
}

/** MemoryStore is an LRU of entries bounded by the sum of their body and header sizes. */
export class MemoryStore {
  private readonly map = new Map<string, Entry>();
  private bytes = 0;
  readonly max: number;
  /** evicted hears of each entry the bound pushed out. */
  evicted: (e: Entry) => void = () => {};

  constructor(max: number) {
    this.max = max;
  }

  /** get returns an entry and makes it the most recently used. */
  get(key: string): Entry | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e;
  }

  /** set stores an entry, evicting the least recently used ones beyond the bound. */
  set(e: Entry): void {
    this.delete(e.key);
    const cost = costOf(e);
    if (cost > this.max) return;
    this.map.set(e.key, e);
    this.bytes += cost;
    for (const [k, old] of this.map) {
      if (this.bytes <= this.max) break;
      this.map.delete(k);
      this.bytes -= costOf(old);
      this.evicted(old);
    }
  }

  /** delete drops an entry. */
  delete(key: string): boolean {
    const e = this.map.get(key);
    if (e === undefined) return false;
    this.map.delete(key);
    this.bytes -= costOf(e);
    return true;
  }

  /** keys lists the entry keys. */
  keys(): string[] {
    return [...this.map.keys()];
  }

  /** size is the bytes held. */
  get size(): number {
    return this.bytes;
  }
}

/** costOf is what an entry counts against max_size: its body and, roughly, its head. */
function costOf(e: Meta): number {
  return e.size + 256 + e.key.length * 2;
}

/** DiskEntry is an entry on disk: its meta and where its body starts in its file. */
export interface DiskEntry {
  meta: Meta;
  file: string;
  offset: number;
}

/** DiskStore keeps entries as files in a directory, bounded in bytes (least recently used first out). */
export class DiskStore {
  private readonly dir: string;
  private readonly max: number;
  private readonly index = new Map<string, DiskEntry>();
  private bytes = 0;
  private seq = 0;

  constructor(dir: string, max: number) {
    this.dir = dir;
    this.max = max;
    mkdirSync(dir, { recursive: true });
  }

  /** load reads the head of every entry file in the directory (the index of a previous run); unreadable files are removed. */
  load(): Meta[] {
    const metas: Meta[] = [];
    const found: { e: DiskEntry; mtime: number }[] = [];
    for (const name of readdirSync(this.dir)) {
      // A temporary file is a write the previous run did not finish.
      if (name.endsWith('.tmp')) rmSync(join(this.dir, name), { force: true });
      if (!/^[0-9a-f]{64}-[0-9a-z]+$/.test(name)) continue;
      const file = join(this.dir, name);
      try {
        const fd = openSync(file, 'r');
        try {
          const len = Buffer.alloc(4);
          readSync(fd, len, 0, 4, 0);
          const n = len.readUInt32BE(0);
          const head = Buffer.alloc(n);
          if (readSync(fd, head, 0, n, 4) !== n) throw new Error('short head');
          const meta = JSON.parse(head.toString()) as Meta;
          found.push({ e: { meta, file, offset: 4 + n }, mtime: statSync(file).mtimeMs });
        } finally {
          closeSync(fd);
        }
      } catch {
        rmSync(file, { force: true });
      }
    }
    for (const { e } of found.sort((a, b) => a.mtime - b.mtime)) {
      this.index.set(e.meta.key, e);
      this.bytes += e.offset + e.meta.size;
      metas.push(e.meta);
    }
    this.trim();
    return metas;
  }

  /** get returns an entry's place on disk and makes it the most recently used. */
  get(key: string): DiskEntry | undefined {
    const e = this.index.get(key);
    if (e === undefined) return undefined;
    this.index.delete(key);
    this.index.set(key, e);
    return e;
  }

  /** put writes an entry (to a temporary file renamed into place, so a reader never sees half of one). */
  async put(meta: Meta, body: Buffer): Promise<void> {
    const head = Buffer.from(JSON.stringify(meta));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(head.length, 0);
    // A new name per version: a reader still streaming the old file keeps it (an unlinked file stays readable while open).
    const file = join(this.dir, `${createHash('sha256').update(meta.key).digest('hex')}-${(++this.seq).toString(36)}${Date.now().toString(36)}`);
    const tmp = `${file}.tmp`;
    await writeFile(tmp, [len, head, body]);
    renameSync(tmp, file);
    this.drop(meta.key, true);
    this.index.set(meta.key, { meta, file, offset: 4 + head.length });
    this.bytes += 4 + head.length + body.length;
    this.trim();
  }

  /** delete removes an entry and its file. */
  delete(key: string): boolean {
    return this.drop(key, true);
  }

  /** keys lists the entry keys. */
  keys(): string[] {
    return [...this.index.keys()];
  }

  private drop(key: string, unlink: boolean): boolean {
    const e = this.index.get(key);
    if (e === undefined) return false;
    this.index.delete(key);
    this.bytes -= e.offset + e.meta.size;
    if (unlink) rmSync(e.file, { force: true });
    return true;
  }

  private trim(): void {
    for (const k of this.index.keys()) {
      if (this.bytes <= this.max) break;
      this.drop(k, true);
    }
  }
}
