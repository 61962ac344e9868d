import { parse, TomlError } from 'smol-toml';
import { AppError } from '@etcd-monitor/core';
import { formatIssue, type ConfigIssue } from './fields.ts';
import { FileConfigSource } from './source/file.ts';
import type { ConfigSource } from './source/source.ts';
import { validateConfig, type ValidateOptions, type ValidationResult } from './validate.ts';
import { builtinPlugins } from '../plugins/index.ts';
import { loadPluginDir } from '../plugins/user.ts';

type Parsed = { raw: Record<string, unknown> } | ValidationResult;

/** parseToml reads TOML text; a syntax error becomes a result with one issue pointing at its line and column. */
function parseToml(text: string, source: string | undefined): Parsed {
  try {
    return { raw: parse(text) as Record<string, unknown> };
  } catch (err) {
    const where = err instanceof TomlError ? `${source ?? 'config'}:${err.line}:${err.column}` : (source ?? 'config');
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    return {
      config: { basic: {} as never, upstreams: {}, locations: {}, servers: {}, plugins: {} },
      issues: [{ path: where, message: `TOML syntax error: ${message}` }],
      warnings: [],
    };
  }
}

function validated(raw: Record<string, unknown>, opts: ValidateOptions & { source?: string }): ValidationResult {
  const result = validateConfig(raw, opts);
  if (opts.source) result.config.source = opts.source;
  if (opts.baseDir) result.config.baseDir = opts.baseDir;
  return result;
}

/** pluginDirOf returns a parsed config's `basic.plugin_dir` when it names a folder. */
function pluginDirOf(raw: Record<string, unknown>): string | undefined {
  const basic = raw.basic as Record<string, unknown> | undefined;
  return typeof basic === 'object' && basic !== null && typeof basic.plugin_dir === 'string' && basic.plugin_dir !== '' ? basic.plugin_dir : undefined;
}

/**
 * parseConfigText reads TOML text and validates it; a syntax error becomes one issue pointing at its line and column.
 * It cannot import `basic.plugin_dir` (that takes the asynchronous readers: readConfig, loadConfig,
 * parseConfigTextWithPlugins), so a config that sets it is refused with an issue saying so, unless the caller gives the
 * plugin types itself in `opts.plugins`.
 */
export function parseConfigText(text: string, opts: ValidateOptions & { source?: string } = {}): ValidationResult {
  const p = parseToml(text, opts.source);
  if (!('raw' in p)) return p;
  const r = validated(p.raw, opts);
  const dir = pluginDirOf(p.raw);
  if (dir !== undefined && opts.plugins === undefined)
    r.issues.unshift({
      path: 'basic.plugin_dir',
      message: `"${dir}" is not loaded by this synchronous reader (parseConfigText, readConfigFile, loadConfigFile), so its plugins would be missing`,
      hint: 'read the config with readConfig, loadConfig or parseConfigTextWithPlugins, which import the folder, or pass the plugin types in opts.plugins',
    });
  return r;
}

/** parseConfigTextWithPlugins is parseConfigText that first imports the plugins of `basic.plugin_dir`, validating the config with them. */
export async function parseConfigTextWithPlugins(text: string, opts: ValidateOptions & { source?: string } = {}): Promise<ValidationResult> {
  const p = parseToml(text, opts.source);
  if (!('raw' in p)) return p;
  const dir = pluginDirOf(p.raw);
  if (dir === undefined) return validated(p.raw, opts);
  const base = opts.plugins ?? builtinPlugins;
  const user = await loadPluginDir(dir, opts.baseDir ?? process.cwd(), base);
  const r = validated(p.raw, { ...opts, plugins: new Map([...base, ...user.defs]) });
  r.issues.unshift(...user.issues);
  if (user.modules.length) r.config.pluginModules = user.modules;
  return r;
}

/** readConfigFile reads and validates a config file; relative paths inside it resolve against its directory. */
export function readConfigFile(file: string, opts: ValidateOptions = {}): ValidationResult {
  const source = new FileConfigSource(file);
  return parseConfigText(source.readNow().text, { ...opts, baseDir: opts.baseDir ?? source.baseDir, source: source.path });
}

/** readConfig reads and validates the config a source holds; relative paths inside it resolve against the source's baseDir. */
export async function readConfig(source: ConfigSource, opts: ValidateOptions = {}): Promise<ValidationResult> {
  const { text, version } = await source.read();
  const r = await parseConfigTextWithPlugins(text, { ...opts, baseDir: opts.baseDir ?? source.baseDir, source: source.path ?? source.url });
  r.config.sourceVersion = version;
  return r;
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
