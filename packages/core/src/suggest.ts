/** editDistance is the Levenshtein distance between two strings, used to suggest a name the user probably meant. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** didYouMean returns `did you mean "x"?` for the closest candidate within a typo's distance, or a list of the valid names when none is close. */
export function didYouMean(value: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of list) {
    const d = editDistance(value.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  // A third of the length (at least 2 edits) catches typos without suggesting unrelated names.
  if (best !== undefined && bestD <= Math.max(2, Math.floor(value.length / 3))) return `did you mean "${best}"?`;
  if (list.length === 0) return undefined;
  const shown = list
    .slice(0, 8)
    .map((c) => `"${c}"`)
    .join(', ');
  return `expected one of ${shown}${list.length > 8 ? ', …' : ''}`;
}
