// The `rewrite` rule of a location (and of the rewrite plugin), read once by validation into a typed Rewrite.
import type { Rewrite } from '../config/schema.ts';
import type { PathMatch } from './router.ts';

/** regexError reports whether a pattern compiles, returning the error message when it does not. */
function regexError(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * parseRewrite reads `rewrite` for a location matching `path`: `"REGEX REPLACEMENT"`, or a single value that replaces
 * what the path matched (the whole path for `=/exact`, the regex's match for `~regex`, the prefix otherwise).
 */
export function parseRewrite(text: string, path: PathMatch): Rewrite | string {
  const t = text.trim();
  const i = t.search(/\s/);
  if (i < 0) {
    if (path.kind === 'exact') return { kind: 'fixed', to: t };
    if (path.kind === 'regex') return { kind: 'regex', pattern: path.value, replacement: t };
    // A single value replaces the matched prefix, so "/api/v1" with rewrite "/" sends "/api/v1/users" as "/users".
    return { kind: 'prefix', strip: path.kind === 'any' ? 1 : path.value.length, to: t };
  }
  const pattern = t.slice(0, i);
  const err = regexError(pattern);
  if (err) return `invalid regex "${pattern}": ${err}`;
  // pingap writes named captures as `$name`; JavaScript's replace wants `$<name>`.
  const replacement = t
    .slice(i)
    .trim()
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, '$<$1>')
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, '$<$1>');
  return { kind: 'regex', pattern, replacement };
}
