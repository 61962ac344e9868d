// Constants of the contract that the web bundle uses at run time: this file imports nothing, so the bundle takes in
// no schema library through it.

/** RANGE_KEYS are the chart ranges of the UI's range picker, which a dashboard panel is saved with. */
export const RANGE_KEYS = ['live', 'live24h', '1h', '24h', '7d', '30d', '90d'] as const;

/** RangeKey names one of them. */
export type RangeKey = (typeof RANGE_KEYS)[number];

/** MAX_PANELS bounds one dashboard, so one PUT cannot make every viewer's page read hundreds of series. */
export const MAX_PANELS = 50;
