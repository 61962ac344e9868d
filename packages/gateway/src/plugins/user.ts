// Users' own plugins: every module in `[basic] plugin_dir` whose default export is a plugin definition (definePlugin)
// adds its category beside the built-ins. The folder is read with the config — by `gateway -t`, at start and on every
// reload — and each file is imported under a URL carrying a hash of its content, so a changed file is a new module on
// the next reload and an unchanged one is the module already loaded. Workers import the same files by the same URLs,
// and get the content that was validated under that URL (carried in the config), not what the file holds by then.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { registerHooks } from 'node:module';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AppError, errorMessage } from '@etcd-monitor/core';
import type { ConfigIssue } from '../config/fields.ts';
import type { PluginDefinition } from './plugin.ts';

/** PluginModule is one user plugin file as validated: where it is, the content that was loaded and its hash. */
export interface PluginModule {
  /** file is the module's absolute path. */
  file: string;
  /** version is a hash of `source`; it is part of the URL the module is imported from. */
  version: string;
  /**
   * source is the file's content as validated: every import of the module's URL (a worker started or restarted after
   * the file changed on disk included) runs this text, never a later, unvalidated one.
   */
  source: string;
}

/** UserPlugins are the plugin types a `plugin_dir` gave, the files they came from, and what went wrong. */
export interface UserPlugins {
  /** defs are the loaded plugin types by category. */
  defs: Map<string, PluginDefinition>;
  /** modules are the files the types came from, for workers to import. */
  modules: PluginModule[];
  /** issues are the files that could not be used, reported at `basic.plugin_dir`. */
  issues: ConfigIssue[];
}

const EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

/** isPluginFile tells whether a file name in the plugin folder is a module to import (not a test or a declaration file). */
function isPluginFile(name: string): boolean {
  return EXTENSIONS.has(extname(name)) && !name.endsWith('.d.ts') && !/\.test\.[mc]?[jt]s$/.test(name);
}

/** contentVersion is the hash of a plugin file's content that its import URL carries. */
function contentVersion(source: string): string {
  return createHash('sha256').update(source).digest('hex').slice(0, 16);
}

/** pinned maps the URL a plugin module is imported from to the content validated under it (see PluginModule.source). */
const pinned = new Map<string, string>();

/** moduleUrl is the URL a plugin module is imported from: its file with the content's hash. */
function moduleUrl(m: Pick<PluginModule, 'file' | 'version'>): string {
  return `${pathToFileURL(m.file).href}?v=${m.version}`;
}

const CATEGORY = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

let hooked = false;

/**
 * resolveOwnPackages lets a plugin outside the repository import `@etcd-monitor/gateway` (for definePlugin) and the other
 * workspace packages: a specifier that does not resolve from the plugin's folder is resolved from the gateway's own.
 * It also serves a plugin module's URL from its pinned content (even once the file is gone).
 */
function resolveOwnPackages(): void {
  if (hooked) return;
  hooked = true;
  registerHooks({
    load(url, context, next) {
      const source = pinned.get(url);
      if (source === undefined) return next(url, context);
      return { format: /\.m?ts\?/.test(url) ? 'module-typescript' : 'module', source, shortCircuit: true };
    },
    resolve(specifier, context, next) {
      if (pinned.has(specifier)) return { url: specifier, shortCircuit: true };
      try {
        return next(specifier, context);
      } catch (err) {
        if (!specifier.startsWith('@etcd-monitor/')) throw err;
        return next(specifier, { ...context, parentURL: import.meta.url });
      }
    },
  });
}

/** definitionError says why a module's default export is not a plugin definition, or returns undefined. */
function definitionError(def: unknown): string | undefined {
  if (typeof def !== 'object' || def === null) return 'has no default export of a plugin definition (export default definePlugin({...}))';
  const d = def as Record<string, unknown>;
  if (typeof d.category !== 'string' || !CATEGORY.test(d.category)) return `its category ${JSON.stringify(d.category)} is not a name of letters, digits, "_" and "-"`;
  if (typeof d.description !== 'string') return 'its description is not a string';
  if (typeof d.create !== 'function') return 'its create is not a function';
  if (d.validate !== undefined && typeof d.validate !== 'function') return 'its validate is not a function';
  if (typeof d.fields !== 'object' || d.fields === null) return 'its fields are not an object of field specs';
  for (const [k, f] of Object.entries(d.fields as Record<string, unknown>)) {
    const spec = f as { kind?: unknown; doc?: unknown } | null;
    if (typeof spec !== 'object' || spec === null || typeof spec.kind !== 'string' || typeof spec.doc !== 'string')
      return `its field "${k}" is not a field spec ({ kind, doc, … })`;
  }
  return undefined;
}

/** importPluginModule imports one user plugin file at its validated content and returns its default export. */
export async function importPluginModule(m: PluginModule): Promise<unknown> {
  resolveOwnPackages();
  const url = moduleUrl(m);
  pinned.set(url, m.source);
  const mod = (await import(url)) as { default?: unknown };
  return mod.default;
}

/** loadPluginDir imports every plugin module of `dir` (relative to `baseDir`), checking each is a plugin definition whose category is new. */
export async function loadPluginDir(dir: string, baseDir: string, known: ReadonlyMap<string, PluginDefinition>): Promise<UserPlugins> {
  const out: UserPlugins = { defs: new Map(), modules: [], issues: [] };
  const path = 'basic.plugin_dir';
  const folder = resolve(baseDir, dir);
  let names: string[];
  try {
    if (!statSync(folder).isDirectory()) throw new Error('not a directory');
    names = readdirSync(folder).sort();
  } catch (err) {
    out.issues.push({ path, message: `cannot read the folder "${dir}" (${folder}): ${errorMessage(err)}`, hint: 'give a folder of plugin modules, relative to the config file' });
    return out;
  }
  const from = new Map<string, string>();
  for (const name of names) {
    if (!isPluginFile(name)) continue;
    const file = join(folder, name);
    let def: unknown;
    let source: string;
    let version: string;
    try {
      source = readFileSync(file, 'utf8');
      version = contentVersion(source);
      def = await importPluginModule({ file, version, source });
    } catch (err) {
      out.issues.push({ path, message: `${name} cannot be loaded: ${errorMessage(err).split('\n')[0]}`, hint: `fix or remove ${file}` });
      continue;
    }
    const bad = definitionError(def);
    if (bad) {
      out.issues.push({ path, message: `${name}: ${bad}` });
      continue;
    }
    const d = def as PluginDefinition;
    if (known.has(d.category) || from.has(d.category)) {
      out.issues.push({
        path,
        message: `${name}: category "${d.category}" is already ${from.has(d.category) ? `defined by ${from.get(d.category)}` : 'a built-in plugin'}`,
        hint: 'give the plugin a category of its own',
      });
      continue;
    }
    from.set(d.category, name);
    out.defs.set(d.category, d);
    out.modules.push({ file, version, source });
  }
  return out;
}

/** withPluginModules adds the user plugins a validated config names to `base`, importing each file at its validated version. */
export async function withPluginModules(base: ReadonlyMap<string, PluginDefinition>, modules: PluginModule[]): Promise<ReadonlyMap<string, PluginDefinition>> {
  const defs = new Map(base);
  for (const m of modules) {
    let def: unknown;
    try {
      def = await importPluginModule(m);
    } catch (err) {
      throw Object.assign(new AppError('GW_PLUGIN_LOAD', `basic.plugin_dir: ${m.file} cannot be loaded: ${errorMessage(err).split('\n')[0]}`), { path: 'basic.plugin_dir' });
    }
    const bad = definitionError(def);
    if (bad) throw Object.assign(new AppError('GW_PLUGIN_LOAD', `basic.plugin_dir: ${m.file}: ${bad}`), { path: 'basic.plugin_dir' });
    defs.set((def as PluginDefinition).category, def as PluginDefinition);
  }
  return defs;
}

/**
 * pluginDirChange names a plugin file of `folder` that was added, removed or edited since a config was validated with
 * `modules` (or the folder, when it cannot be read), or returns undefined when the folder still holds exactly those files.
 */
export function pluginDirChange(folder: string, modules: readonly PluginModule[]): string | undefined {
  const was = new Map(modules.map((m) => [m.file, m.version]));
  let names: string[];
  try {
    names = readdirSync(folder).filter(isPluginFile);
  } catch {
    return folder;
  }
  for (const name of names) {
    const file = join(folder, name);
    try {
      if (was.get(file) !== contentVersion(readFileSync(file, 'utf8'))) return file;
    } catch {
      return file;
    }
    was.delete(file);
  }
  return was.keys().next().value;
}

/** watchPluginDir calls `onChange` (debounced) when a file in the plugin folder is written, added or removed. */
export function watchPluginDir(dir: string, onChange: () => void): FSWatcher | undefined {
  let timer: NodeJS.Timeout | undefined;
  let w: FSWatcher;
  try {
    w = watch(dir, () => {
      clearTimeout(timer);
      timer = setTimeout(onChange, 150);
    });
  } catch {
    // A folder that cannot be watched (gone since the config was read) leaves reloads to SIGHUP and the admin API.
    return undefined;
  }
  w.on('error', () => {});
  w.unref();
  const close = w.close.bind(w);
  w.close = () => {
    clearTimeout(timer);
    close();
  };
  return w;
}
