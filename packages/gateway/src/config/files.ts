// Files a config names that the cluster primary reads for its workers: the workers may have switched to an account that
// cannot read them (a root-only 0600 key), as nginx's workers cannot, so they receive the contents instead of the paths.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ConfigIssue } from './fields.ts';
import type { GatewayConfig } from './schema.ts';

/** readConfigPath reads a file a config names, relative to the config file's directory, or returns why it cannot. */
export function readConfigPath(value: string, baseDir: string): { text: string } | { error: string } {
  const file = resolve(baseDir, value);
  try {
    return { text: readFileSync(file, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return { error: `cannot read "${value}" (${file}): ${code}${code === 'EACCES' ? ' (permission denied)' : ''}` };
  }
}

/** configBaseDir is where the relative paths of a config resolve: its source's baseDir, else the current directory. */
export function configBaseDir(config: GatewayConfig): string {
  return config.baseDir ?? (config.source ? dirname(config.source) : process.cwd());
}

/** inlineFiles returns a copy of a config whose TLS certificate and key paths are replaced by the PEM they hold, with an issue per file that cannot be read. */
export function inlineFiles(config: GatewayConfig): { config: GatewayConfig; issues: ConfigIssue[] } {
  const baseDir = configBaseDir(config);
  const issues: ConfigIssue[] = [];
  const servers: GatewayConfig['servers'] = {};
  for (const [name, sc] of Object.entries(config.servers)) {
    const copy = { ...sc };
    for (const k of ['tls_cert', 'tls_key'] as const) {
      const v = sc[k];
      if (v === undefined || v.includes('-----BEGIN')) continue;
      const r = readConfigPath(v, baseDir);
      if ('error' in r)
        issues.push({ path: `servers.${name}.${k}`, message: r.error, hint: 'the gateway reads it as the user it is started as (root when it switches to basic.user)' });
      else copy[k] = r.text;
    }
    servers[name] = copy;
  }
  return { config: { ...config, servers }, issues };
}
