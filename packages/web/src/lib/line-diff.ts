/** DiffLine is one line of a diff: kept, removed (only in the old text) or added (only in the new). */
export interface DiffLine {
  /** op is ' ' for a line in both, '-' for one only in the old text, '+' for one only in the new. */
  op: ' ' | '-' | '+';
  /** text is the line, without its newline. */
  text: string;
}

// A table of lines × lines; beyond this the texts are shown as all removed and all added rather than freezing the tab.
const MAX_CELLS = 4_000_000;

/** lineDiff is the shortest line diff of two texts (longest common subsequence), old lines before new at each change. */
export function lineDiff(oldText: string, newText: string): DiffLine[] {
  const a = oldText.split('\n');
  const b = newText.split('\n');
  // Common head and tail need no table.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const out: DiffLine[] = a.slice(0, head).map((text) => ({ op: ' ', text }));
  if (am.length * bm.length > MAX_CELLS) {
    out.push(...am.map((text) => ({ op: '-' as const, text })), ...bm.map((text) => ({ op: '+' as const, text })));
  } else {
    const n = am.length;
    const m = bm.length;
    const lcs = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * (m + 1) + j] = am[i] === bm[j] ? lcs[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && am[i] === bm[j]) {
        out.push({ op: ' ', text: am[i]! });
        i++;
        j++;
      } else if (j >= m || (i < n && lcs[(i + 1) * (m + 1) + j]! >= lcs[i * (m + 1) + j + 1]!)) {
        out.push({ op: '-', text: am[i++]! });
      } else {
        out.push({ op: '+', text: bm[j++]! });
      }
    }
  }
  out.push(...a.slice(a.length - tail).map((text) => ({ op: ' ' as const, text })));
  return out;
}
