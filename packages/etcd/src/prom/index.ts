export { parsePrometheusText, parseFloatToken, unslice, unsliceSamples, type MetricSet, type MetricFamily, type MetricType, type Sample, type Labels } from './parse.ts';
export {
  familyOf,
  matchLabels,
  samples,
  value,
  counterRate,
  rate,
  histogramBuckets,
  histogramQuantile,
  histogramDelta,
  type LabelMatcher,
  type SeriesRate,
  type Bucket,
} from './query.ts';
