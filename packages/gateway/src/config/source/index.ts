import { AppError } from '@etcd-monitor/core';
import { fileURLToPath } from 'node:url';
import { FileConfigSource } from './file.ts';
import type { ConfigSource } from './source.ts';

export type { ConfigSource, ConfigSnapshot, ConfigVersion, ConfigWatch, WriteOptions } from './source.ts';
export { FileConfigSource, watchFile } from './file.ts';

/**
 * CONFIG_SOURCES opens a source by URL scheme. A new kind of source is one file beside file.ts, passing the suite in
 * contract.ts, and its line here.
 */
export const CONFIG_SOURCES: Record<string, (url: URL) => ConfigSource> = {
  file: (url) => {
    if (url.host !== '' && url.host !== 'localhost')
      throw new AppError('GW_CONFIG_SOURCE', `--config: "${url.href}" names a file on another host`, {
        field: '--config',
        hint: 'write file:///absolute/path.toml or a plain path',
      });
    return new FileConfigSource(fileURLToPath(url));
  },
  etcd: (url) => {
    throw new AppError('GW_CONFIG_SOURCE', `--config: "${url.href}": a config kept in etcd is not supported yet`, {
      field: '--config',
      hint: 'keep the config in a file: pass its path or a file:// URL',
    });
  },
};

/** openConfigSource opens the config named by `spec`: a plain path or a `file://` URL is a file; other schemes are listed in CONFIG_SOURCES. */
export function openConfigSource(spec: string): ConfigSource {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec);
  if (!m) return new FileConfigSource(spec);
  const scheme = m[1]!.toLowerCase();
  const open = CONFIG_SOURCES[scheme];
  if (!open)
    throw new AppError('GW_CONFIG_SOURCE', `--config: "${spec}" uses the unknown scheme "${scheme}"`, {
      field: '--config',
      hint: `write a file path or one of ${Object.keys(CONFIG_SOURCES)
        .map((s) => `${s}://`)
        .join(', ')}`,
    });
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new AppError('GW_CONFIG_SOURCE', `--config: "${spec}" is not a valid URL`, { field: '--config', hint: 'write a file path or a file:// URL' });
  }
  return open(url);
}
