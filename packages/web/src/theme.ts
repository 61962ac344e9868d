import { createTheme } from '@mantine/core';

/** theme is the one design system of the UI: Mantine defaults with a teal primary and tabular figures. */
export const theme = createTheme({
  primaryColor: 'teal',
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  other: { chartHeight: 180 },
});
