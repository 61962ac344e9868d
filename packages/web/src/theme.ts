import { createTheme, darken, DEFAULT_THEME, keys, lighten, luminance, type CSSVariablesResolver } from '@mantine/core';

/** theme is the one design system of the UI: Mantine defaults with a teal primary and tabular figures. */
export const theme = createTheme({
  primaryColor: 'teal',
  // Filled teal-6 under white text measures 2.5:1; shade 8 with text picked by contrast meets WCAG AA (4.5:1).
  primaryShade: { light: 8, dark: 8 },
  autoContrast: true,
  // 0.179 is where black and white text have the same contrast: above it black wins, below it white does.
  luminanceThreshold: 0.179,
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  other: { chartHeight: 180 },
  components: {
    // Mantine's close button is an icon alone: without a name screen readers announce "button" (axe: button-name).
    Modal: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
  },
});

/** contrast is the WCAG 2.1 contrast ratio of two colours. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * readable moves a colour away from the background until text in it reaches WCAG AA's 4.5:1 on every background
 * given (page, paper, striped rows), keeping its hue; a colour that is readable already is returned as it is.
 */
export function readable(color: string, backgrounds: string[], dark: boolean): string {
  let c = color;
  for (let i = 0; i < 30 && backgrounds.some((bg) => contrast(c, bg) < 4.6); i++) c = dark ? lighten(c, 0.1) : darken(c, 0.1);
  return c;
}

const colors = DEFAULT_THEME.colors;
// Backgrounds text sits on: the body, papers and cards, striped and hovered table rows.
const LIGHT_BG = ['#ffffff', colors.gray[0], colors.gray[1]];
const DARK_BG = [colors.dark[7], colors.dark[6], colors.dark[5]];

/**
 * cssVariablesResolver raises Mantine's text colours to WCAG 2.1 AA in both schemes: dimmed text, links, coloured
 * text (`c="red"`), outline and light variants (badges, the active nav link). Mantine's defaults measure 2.5–4.3:1.
 */
export const cssVariablesResolver: CSSVariablesResolver = () => {
  const light: Record<string, string> = {
    '--mantine-color-dimmed': colors.gray[7],
    '--mantine-color-anchor': readable(colors.teal[8], LIGHT_BG, false),
    '--mantine-color-error': readable(colors.red[7], LIGHT_BG, false),
  };
  const dark: Record<string, string> = {
    '--mantine-color-dimmed': colors.dark[1],
    '--mantine-color-anchor': readable(colors.teal[4], DARK_BG, true),
    '--mantine-color-error': readable(colors.red[5], DARK_BG, true),
  };
  for (const name of keys(colors)) {
    const c = colors[name];
    if (name === 'dark' || name === 'gray') continue;
    light[`--mantine-color-${name}-text`] = readable(c[8], LIGHT_BG, false);
    light[`--mantine-color-${name}-outline`] = readable(c[8], LIGHT_BG, false);
    light[`--mantine-color-${name}-light-color`] = readable(c[9], [c[1], c[0], '#ffffff'], false);
    dark[`--mantine-color-${name}-text`] = readable(c[4], DARK_BG, true);
    dark[`--mantine-color-${name}-outline`] = readable(c[4], DARK_BG, true);
    dark[`--mantine-color-${name}-light-color`] = readable(c[0], [darken(c[9], 0.5), darken(c[9], 0.3)], true);
  }
  light['--mantine-color-gray-text'] = colors.gray[7];
  light['--mantine-color-gray-outline'] = colors.gray[7];
  dark['--mantine-color-gray-text'] = colors.dark[1];
  dark['--mantine-color-gray-outline'] = colors.dark[1];
  return { variables: {}, light, dark };
};
