/**
 * mergeMetrics joins the Prometheus texts of several workers into one exposition: each sample gets a `worker` label and the
 * samples of a metric family stay together, as the text format requires. Families in `skip` are left out (the primary reports them).
 */
export function mergeMetrics(texts: { worker: string; text: string }[], skip: ReadonlySet<string> = new Set()): string {
  const families = new Map<string, { head: string[]; samples: string[] }>();
  for (const { worker, text } of texts) {
    let current: { head: string[]; samples: string[] } | undefined;
    for (const line of text.split('\n')) {
      if (!line) continue;
      const m = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (m) {
        current = skip.has(m[2]!) ? undefined : families.get(m[2]!);
        if (!current && !skip.has(m[2]!)) families.set(m[2]!, (current = { head: [], samples: [] }));
        if (current && current.head.length < 2 && !current.head.some((h) => h.startsWith(`# ${m[1]}`))) current.head.push(line);
        continue;
      }
      const label = `worker="${worker}"`;
      const withLabel = line.includes('{') ? line.replace('{', `{${label},`) : line.replace(/^(\S+) /, `$1{${label}} `);
      current?.samples.push(withLabel);
    }
  }
  let out = '';
  for (const f of families.values()) out += `${f.head.join('\n')}\n${f.samples.join('\n')}${f.samples.length ? '\n' : ''}`;
  return out;
}
