import { useState } from 'react';
import { Button, Group, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { EmptyState } from '../../components/states.tsx';
import { SeriesChart } from '../../components/charts/SeriesChart.tsx';
import { RangePicker } from '../../components/charts/RangePicker.tsx';
import { useRange } from '../../components/charts/use-range.ts';
import { addDashboard, removeDashboard, renameDashboard, unpinChart, useDashboards } from './dashboard-store.ts';

/** DashboardsPage shows the user's saved dashboards of pinned charts (kept in this browser's localStorage). */
export function DashboardsPage() {
  const boards = useDashboards();
  const [params, setParams] = useSearchParams();
  const [range, setRange] = useRange();
  const [name, setName] = useState('');
  const current = boards.find((b) => b.id === params.get('d')) ?? boards[0];
  const select = (id: string) =>
    setParams((p) => {
      p.set('d', id);
      return p;
    });
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>Dashboards</Title>
          <Text size="sm" c="dimmed">Pin any chart with its pin button on a cluster or member page. Dashboards are saved in this browser only.</Text>
        </div>
        <Group align="flex-end">
          {boards.length > 0 && <Select aria-label="Dashboard" data={boards.map((b) => ({ value: b.id, label: b.name }))} value={current?.id ?? null} onChange={(id) => id && select(id)} allowDeselect={false} w={220} />}
          <Button variant="default" onClick={() => select(addDashboard(`Dashboard ${boards.length + 1}`))}>New dashboard</Button>
        </Group>
      </Group>
      {!current ? (
        <EmptyState title="No dashboards yet">Open a cluster, pick a chart and press its pin button to pin it into a new dashboard.</EmptyState>
      ) : (
        <>
          <Group justify="space-between">
            <Group>
              <TextInput aria-label="Dashboard name" value={name || current.name} onChange={(e) => setName(e.currentTarget.value)} onBlur={() => { if (name.trim()) renameDashboard(current.id, name.trim()); setName(''); }} w={260} />
              <Button variant="subtle" color="red" onClick={() => removeDashboard(current.id)}>Delete dashboard</Button>
            </Group>
            <RangePicker value={range.key} onChange={setRange} />
          </Group>
          {current.charts.length === 0 ? (
            <EmptyState title="This dashboard is empty">Press the pin button on any chart of a cluster or member page to add it here.</EmptyState>
          ) : (
            <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }} spacing="sm">
              {current.charts.map((c, i) => (
                <SeriesChart key={`${c.cluster}/${c.member ?? '*'}/${c.series}`} cluster={c.cluster} series={c.series} {...(c.member !== undefined ? { member: c.member } : {})} title={`${c.cluster} · ${c.title}`} unit={c.unit} range={range} onRemove={() => unpinChart(current.id, i)} />
              ))}
            </SimpleGrid>
          )}
        </>
      )}
    </Stack>
  );
}
