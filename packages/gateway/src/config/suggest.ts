import { didYouMean } from '@etcd-monitor/core';

export { didYouMean, editDistance } from '@etcd-monitor/core';

/** closeMatch returns `did you mean "x"?` only when a candidate is within a typo's distance. */
export function closeMatch(value: string, candidates: Iterable<string>): string | undefined {
  const hint = didYouMean(value, candidates);
  return hint?.startsWith('did you mean') ? hint : undefined;
}
