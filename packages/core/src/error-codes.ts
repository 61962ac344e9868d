import type { ErrorCatalogue } from './errors.ts';

/** CORE_ERRORS is the catalogue of the codes core throws; docs/errors.md is generated from it and the other packages' catalogues. */
export const CORE_ERRORS = {
  CORE_BAD_ADDRESS: { meaning: 'a host:port value cannot be read (missing port, port out of range, bad IPv6 brackets)', status: 400 },
  CORE_BAD_DURATION: { meaning: 'a duration cannot be read; write a number with a unit, such as 500ms, 30s, 5m, 2h or 1w', status: 400 },
  CORE_BAD_SIZE: { meaning: 'a size cannot be read; write a number with an optional unit, such as 512, 64KiB or 2GiB', status: 400 },
} as const satisfies ErrorCatalogue;
