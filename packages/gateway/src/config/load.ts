import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { AppError } from '@etcd-monitor/core';
import { formatIssue, type ConfigIssue } from './fields.ts';
import { validateConfig, type ValidateOptions, type ValidationResult } from './validate.ts';

/** parseConfigText reads TOML text and validates it; a syntax error becomes one issue pointing at its line and column. */
export function parseConfigText(text: string, opts: ValidateOptions & { source?: string } = {}): ValidationResult {
  let raw: Record<string, unknown>;
  try {
    raw = parse(text) as Record<string, unknown>;
  } catch (err) {
    const where = err instanceof TomlError ? `${opts.source ?? 'config'}:${err.line}:${err.column}` : (opts.source ?? 'config');
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    return { config: { basic: {} as never, upstreams: {}, locations: {}, servers: {}, plugins: {} }, issues: [{ path: where, message: `TOML syntax error: ${message}` }], warnings: [] };
  }
  const result = validateConfig(raw, opts);
  if (opts.source) result.config.source = opts.source;
  return result;
}

/** readConfigFile reads and validates a config file; relative paths inside it resolve against its directory. */
export function readConfigFile(file: string, opts: ValidateOptions = {}): ValidationResult {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError('GW_CONFIG_READ', `cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { field: 'config', hint: 'pass an existing file with -c', cause: err });
  }
  return parseConfigText(text, { ...opts, baseDir: opts.baseDir ?? dirname(path), source: path });
}

/** ConfigError is a config that failed validation; `issues` lists every problem. */
export class ConfigError extends AppError {
  /** issues are the problems found, each with its key path and hint. */
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[], source?: string) {
    super('GW_CONFIG_INVALID', `${source ? `${source}: ` : ''}${issues.length} config error${issues.length === 1 ? '' : 's'}:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** loadConfigFile reads a config file and throws a ConfigError listing every issue when it is not valid. */
export function loadConfigFile(file: string, opts: ValidateOptions = {}): ValidationResult {
  const r = readConfigFile(file, opts);
  if (r.issues.length) throw new ConfigError(r.issues, r.config.source ?? file);
  return r;
}
