import type { ErrorCatalogue } from '@etcd-monitor/core';

/** CLI_ERRORS is the catalogue of the codes the CLI itself throws (it passes the monitor's MON_… codes through). */
export const CLI_ERRORS = {
  CLI_MONITOR_ERROR: { meaning: 'the monitor answered an error without a code of its own' },
  CLI_MONITOR_UNREACHABLE: { meaning: 'the monitor cannot be reached at --url' },
  CLI_USAGE: { meaning: 'the command line is wrong: an unknown command or flag, or a missing or bad argument' },
} as const satisfies ErrorCatalogue;
