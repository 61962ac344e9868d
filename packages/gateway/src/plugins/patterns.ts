// The match patterns plugins share for hosts and origins: exact, `*` wildcard and `~` regular expression.

/** regexProblem returns why a regular expression does not compile, or undefined when it does. */
export function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (e) {
    return `"${source}" is not a valid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
}

/** hostPatternProblem returns why a host pattern is unusable (an empty entry, a regex that does not compile), or undefined. */
export function hostPatternProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'is empty';
  if (pattern.startsWith('~')) return regexProblem(pattern.slice(1));
  return undefined;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * compileHostPatterns turns patterns into one case-insensitive check: `~re` is a regular expression (unanchored), a
 * pattern with `*` a wildcard where `*` stands for one or more characters other than `/`, `:` and `@` (so it stays inside the host), anything else an exact (case-insensitive) value.
 */
export function compileHostPatterns(patterns: readonly string[]): (value: string) => boolean {
  const exact = new Set<string>();
  const regexes: RegExp[] = [];
  for (const p of patterns) {
    if (p.startsWith('~')) regexes.push(new RegExp(p.slice(1), 'i'));
    else if (p.includes('*')) regexes.push(new RegExp(`^${p.split('*').map(escapeRegex).join('[^/:@]+')}$`, 'i'));
    else exact.add(p.toLowerCase());
  }
  return (value) => exact.has(value.toLowerCase()) || regexes.some((r) => r.test(value));
}
