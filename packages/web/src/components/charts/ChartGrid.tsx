import { SimpleGrid, Stack, Title } from '@mantine/core';
import { useSeriesCatalog } from '../../api/queries.ts';
import { CHART_SECTIONS, chartDef } from './catalog.ts';
import { SeriesChart } from './SeriesChart.tsx';
import type { TimeRange } from './ranges.ts';

/** ChartGrid draws every catalog chart for a cluster (or one member), section by section. */
export function ChartGrid({ cluster, member, range }: { cluster: string; member?: string; range: TimeRange }) {
  const catalog = useSeriesCatalog().data;
  return (
    <Stack gap="md">
      {CHART_SECTIONS.map((s) => (
        <section key={s.title} aria-label={`${s.title} charts`}>
          <Title order={5} mb={6}>
            {s.title}
          </Title>
          <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }} spacing="sm">
            {s.series.map((name) => {
              const c = chartDef(name, catalog);
              return <SeriesChart key={name} cluster={cluster} series={name} {...(member !== undefined ? { member } : {})} title={c.title} unit={c.unit} range={range} />;
            })}
          </SimpleGrid>
        </section>
      ))}
    </Stack>
  );
}
