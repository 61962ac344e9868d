import { parseMatcher, type Matcher } from '@etcd-monitor/core/parse';

/** textLines splits a textarea into trimmed, non-empty lines. */
export function textLines(s: string): string[] {
  return s
    .split('\n')
    .map((x) => x.trim())
    .filter(Boolean);
}

/**
 * parseMatcherLines reads one matcher a line with the monitor's own parser, so a form accepts exactly what the API
 * does: the matchers, or the first bad line's reason (without the API's field name, which the form shows by place).
 */
export function parseMatcherLines(lines: readonly string[]): { matchers: Matcher[]; error?: undefined } | { matchers?: undefined; error: string } {
  const matchers: Matcher[] = [];
  for (const line of lines) {
    try {
      matchers.push(parseMatcher(line, 'matchers'));
    } catch (err) {
      const { message, hint } = err as { message: string; hint?: string };
      return { error: `${message.replace(/^matchers: /, '')}${hint ? `: ${hint}` : ''}.` };
    }
  }
  return { matchers };
}
