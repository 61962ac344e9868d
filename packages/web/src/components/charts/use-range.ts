import { useSearchParams } from 'react-router';
import { rangeOf, type RangeKey, type TimeRange } from './ranges.ts';

/** useRange keeps the chosen time range in the URL (?range=24h), so a link shows the same view. */
export function useRange(): [TimeRange, (k: RangeKey) => void] {
  const [params, setParams] = useSearchParams();
  const range = rangeOf(params.get('range'));
  return [
    range,
    (k) =>
      setParams(
        (p) => {
          if (k === 'live') p.delete('range');
          else p.set('range', k);
          return p;
        },
        { replace: true },
      ),
  ];
}
