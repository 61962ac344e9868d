import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AppError } from '@etcd-monitor/core';
import type { ConfigSnapshot, ConfigSource, ConfigVersion, ConfigWatch, WriteOptions } from './source.ts';

/** watchFile calls `onChange` (debounced) when the file is written or replaced; editors that rename over the file are covered by watching its directory. */
export function watchFile(file: string, onChange: () => void): FSWatcher {
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  const w = watch(dirname(file), (_event, changed) => {
    if (changed !== null && changed !== name) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, 150);
  });
  w.unref();
  const close = w.close.bind(w);
  w.close = () => {
    clearTimeout(timer);
    close();
  };
  return w;
}

function versionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * FileConfigSource is a config in a TOML file, as the gateway has always kept it: read from the file, watched through
 * its directory, written by writing a temporary file beside it and renaming it over. It keeps no earlier versions
 * (`history` is empty): the file is the only copy, as with pingap's file storage.
 */
export class FileConfigSource implements ConfigSource {
  readonly url: string;
  readonly baseDir: string;
  readonly path: string;
  readonly keepsHistory = false;

  constructor(file: string) {
    this.path = resolve(file);
    this.baseDir = dirname(this.path);
    this.url = pathToFileURL(this.path).href;
  }

  async read(): Promise<ConfigSnapshot> {
    return this.readNow();
  }

  /** readNow is `read` without waiting, for the synchronous start of a gateway. */
  readNow(): ConfigSnapshot {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      throw new AppError('GW_CONFIG_READ', `cannot read config file ${this.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
        field: 'config',
        hint: 'pass an existing file with -c',
        cause: err,
      });
    }
    return { text, version: versionOf(text) };
  }

  watch(onChange: () => void): ConfigWatch {
    return watchFile(this.path, onChange);
  }

  async write(text: string, opts: WriteOptions = {}): Promise<ConfigSnapshot> {
    if (opts.ifVersion !== undefined) {
      let current: string | undefined;
      try {
        current = versionOf(readFileSync(this.path, 'utf8'));
      } catch {
        current = undefined;
      }
      if (current !== opts.ifVersion)
        throw new AppError('GW_CONFIG_CONFLICT', `${this.path} changed since version ${opts.ifVersion} was read`, {
          field: 'config',
          hint: 'read the config again and apply the change to it',
        });
    }
    const tmp = `${this.path}.${process.pid}.tmp`;
    let mode = 0o600;
    try {
      mode = statSync(this.path).mode & 0o777;
    } catch {
      // A new file is readable by its owner only: a config may hold the admin token.
    }
    try {
      writeFileSync(tmp, text, { mode });
      renameSync(tmp, this.path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw new AppError('GW_CONFIG_WRITE', `cannot write config file ${this.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
        field: 'config',
        hint: 'check that the gateway may write the file and its directory',
        cause: err,
      });
    }
    return { text, version: versionOf(text) };
  }

  async history(): Promise<ConfigVersion[]> {
    return [];
  }
}
