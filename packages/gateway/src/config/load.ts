import { parse, TomlError } from 'smol-toml';
import { AppError } from '@etcd-monitor/core';
import { formatIssue, type ConfigIssue } from './fields.ts';
import { FileConfigSource } from './source/file.ts';
import type { ConfigSource } from './source/source.ts';
import { validateConfig, type ValidateOptions, type ValidationResult } from './validate.ts';

/** parseConfigText reads TOML text and validates it; a syntax error becomes one issue pointing at its line and column. */
export function parseConfigText(text: string, opts: ValidateOptions & { source?: string } = {}): ValidationResult {
  let raw: Record<string, unknown>;
  try {
    raw = parse(text) as Record<string, unknown>;
  } catch (err) {
    const where = err instanceof TomlError ? `${opts.source ?? 'config'}:${err.line}:${err.column}` : (opts.source ?? 'config');
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    return {
      config: { basic: {} as never, upstreams: {}, locations: {}, servers: {}, plugins: {} },
      issues: [{ path: where, message: `TOML syntax error: ${message}` }],
      warnings: [],
    };
  }
  const result = validateConfig(raw, opts);
  if (opts.source) result.config.source = opts.source;
  if (opts.baseDir) result.config.baseDir = opts.baseDir;
  return result;
}

/** readConfigFile reads and validates a config file; relative paths inside it resolve against its directory. */
export function readConfigFile(file: string, opts: ValidateOptions = {}): ValidationResult {
  const source = new FileConfigSource(file);
  return parseConfigText(source.readNow().text, { ...opts, baseDir: opts.baseDir ?? source.baseDir, source: source.path });
}

/** readConfig reads and validates the config a source holds; relative paths inside it resolve against the source's baseDir. */
export async function readConfig(source: ConfigSource, opts: ValidateOptions = {}): Promise<ValidationResult> {
  const { text } = await source.read();
  return parseConfigText(text, { ...opts, baseDir: opts.baseDir ?? source.baseDir, source: source.path ?? source.url });
}

/** ConfigError is a config that failed validation; `issues` lists every problem. */
export class ConfigError extends AppError {
  /** issues are the problems found, each with its key path and hint. */
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[], source?: string) {
    super(
      'GW_CONFIG_INVALID',
      `${source ? `${source}: ` : ''}${issues.length} config error${issues.length === 1 ? '' : 's'}:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`,
    );
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

/** loadConfig reads the config a source holds and throws a ConfigError listing every issue when it is not valid. */
export async function loadConfig(source: ConfigSource, opts: ValidateOptions = {}): Promise<ValidationResult> {
  const r = await readConfig(source, opts);
  if (r.issues.length) throw new ConfigError(r.issues, r.config.source ?? source.url);
  return r;
}
