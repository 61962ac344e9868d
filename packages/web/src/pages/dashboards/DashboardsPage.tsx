import { useState } from 'react';
import { ActionIcon, Alert, Button, Group, Menu, Modal, Select, SimpleGrid, Stack, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { errorText } from '../../api/client.ts';
import { EmptyState, ErrorState, LoadingState } from '../../components/states.tsx';
import { SeriesChart } from '../../components/charts/SeriesChart.tsx';
import { chartDef } from '../../components/charts/catalog.ts';
import { useSeriesCatalog } from '../../api/queries.ts';
import { RANGES, rangeOf } from '../../components/charts/ranges.ts';
import { deleteDashboard, newDashboardId, saveDashboard, useCanEditDashboards, useDashboards, type Dashboard, type Panel } from './dashboard-store.ts';

/** panelKey names a panel; the API refuses the same chart twice on one dashboard, so it is unique. */
const panelKey = (p: Panel) => `${p.cluster}/${p.member ?? '*'}/${p.series}`;

/** PanelMenu offers a panel's actions: its range, moving it earlier or later, and removing it. */
function PanelMenu({
  title,
  panel,
  index,
  count,
  onChange,
}: {
  title: string;
  panel: Panel;
  index: number;
  count: number;
  onChange: (next: (panels: Panel[]) => Panel[]) => void;
}) {
  const move = (by: number) =>
    onChange((ps) => {
      const next = [...ps];
      const [p] = next.splice(index, 1);
      next.splice(index + by, 0, p!);
      return next;
    });
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Tooltip label="Panel: range, order, remove">
          <ActionIcon variant="subtle" size="sm" aria-label={`Panel menu of ${title}`} data-testid="panel-menu">
            <span aria-hidden>⋯</span>
          </ActionIcon>
        </Tooltip>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Range</Menu.Label>
        {RANGES.map((r) => (
          <Menu.Item
            key={r.key}
            onClick={() => onChange((ps) => ps.map((p, i) => (i === index ? { ...p, range: r.key } : p)))}
            aria-current={r.key === panel.range ? 'true' : undefined}
            fw={r.key === panel.range ? 700 : undefined}
          >
            {r.label}
            {r.key === panel.range ? ' ✓' : ''}
          </Menu.Item>
        ))}
        <Menu.Divider />
        <Menu.Item disabled={index === 0} onClick={() => move(-1)}>
          Move earlier
        </Menu.Item>
        <Menu.Item disabled={index === count - 1} onClick={() => move(1)}>
          Move later
        </Menu.Item>
        <Menu.Divider />
        <Menu.Item color="red" onClick={() => onChange((ps) => ps.filter((_, i) => i !== index))}>
          Remove from dashboard
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

/** BoardView shows one dashboard: its name (renamable), delete, and its panels in order. */
function BoardView({ board, canEdit, onDeleted }: { board: Dashboard; canEdit: boolean; onDeleted: () => void }) {
  const qc = useQueryClient();
  const catalog = useSeriesCatalog().data;
  const [name, setName] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirm, setConfirm] = useState(false);
  const save = async (next: { name?: string; panels?: Panel[] }) => {
    try {
      setError(null);
      await saveDashboard(qc, { id: board.id, name: next.name ?? board.name, panels: next.panels ?? board.panels });
    } catch (err) {
      setError(err);
    }
  };
  const rename = () => {
    const n = name?.trim();
    setName(null);
    if (n && n !== board.name) void save({ name: n });
  };
  return (
    <Stack gap="md">
      <Group justify="space-between">
        {canEdit ? (
          <Group align="flex-end">
            <TextInput
              label="Name"
              value={name ?? board.name}
              onChange={(e) => setName(e.currentTarget.value)}
              onBlur={rename}
              onKeyDown={(e) => e.key === 'Enter' && rename()}
              w={260}
              maxLength={100}
            />
            <Button variant="subtle" color="red" onClick={() => setConfirm(true)}>
              Delete dashboard
            </Button>
          </Group>
        ) : (
          <Title order={3}>{board.name}</Title>
        )}
        <Text size="xs" c="dimmed">
          Changed by {board.updatedBy} at {new Date(board.updatedAt).toLocaleString()}
        </Text>
      </Group>
      {error !== null && (
        <Alert color="red" variant="light" role="alert" title="Could not save the dashboard">
          {errorText(error)}
        </Alert>
      )}
      {board.panels.length === 0 ? (
        <EmptyState title="This dashboard is empty">Press the pin button on any chart of a cluster or member page to add it here.</EmptyState>
      ) : (
        <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }} spacing="sm">
          {board.panels.map((p, i) => {
            const def = chartDef(p.series, catalog);
            const title = `${p.cluster} · ${p.title ?? def.title}`;
            const range = rangeOf(p.range);
            return (
              <div key={panelKey(p)} data-testid="dashboard-panel" data-range={range.key}>
                <SeriesChart
                  cluster={p.cluster}
                  series={p.series}
                  {...(p.member !== undefined ? { member: p.member } : {})}
                  title={range.key === 'live' ? title : `${title} · ${range.label}`}
                  unit={def.unit}
                  range={range}
                  {...(canEdit
                    ? { actions: <PanelMenu title={title} panel={p} index={i} count={board.panels.length} onChange={(f) => void save({ panels: f(board.panels) })} /> }
                    : { actions: <span /> })}
                />
              </div>
            );
          })}
        </SimpleGrid>
      )}
      <Modal opened={confirm} onClose={() => setConfirm(false)} title={`Delete the dashboard "${board.name}"?`}>
        <Stack>
          <Text size="sm">Every user of this monitor loses it. The charts' data stays.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirm(false)} data-autofocus>
              Keep it
            </Button>
            <Button
              color="red"
              onClick={async () => {
                setConfirm(false);
                try {
                  await deleteDashboard(qc, board.id);
                  onDeleted();
                } catch (err) {
                  setError(err);
                }
              }}
            >
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

/** DashboardsPage shows the monitor's shared dashboards of pinned charts. */
export function DashboardsPage() {
  const boards = useDashboards();
  const canEdit = useCanEditDashboards();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [error, setError] = useState<unknown>(null);
  const list = boards.data ?? [];
  const current = list.find((b) => b.id === params.get('d')) ?? list[0];
  const select = (id: string | null) =>
    setParams((p) => {
      if (id) p.set('d', id);
      else p.delete('d');
      return p;
    });
  const create = async () => {
    try {
      setError(null);
      const d = await saveDashboard(qc, { id: newDashboardId(), name: `Dashboard ${list.length + 1}`, panels: [] });
      select(d.id);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>Dashboards</Title>
          <Text size="sm" c="dimmed">
            Pin any chart with its pin button on a cluster or member page. Dashboards are saved on the monitor and shared by all its users
            {canEdit ? '' : '; your role may read them, operators change them'}.
          </Text>
        </div>
        <Group align="flex-end">
          {list.length > 0 && (
            <Select
              label="Dashboard"
              data={list.map((b) => ({ value: b.id, label: b.name }))}
              value={current?.id ?? null}
              onChange={(id) => id && select(id)}
              allowDeselect={false}
              w={220}
            />
          )}
          {canEdit && (
            <Button variant="default" onClick={() => void create()}>
              New dashboard
            </Button>
          )}
        </Group>
      </Group>
      {error !== null && (
        <Alert color="red" variant="light" role="alert" title="Could not create the dashboard">
          {errorText(error)}
        </Alert>
      )}
      {boards.isPending ? (
        <LoadingState what="dashboards" />
      ) : boards.error ? (
        <ErrorState error={boards.error} title="Could not read the dashboards" onRetry={() => void boards.refetch()} />
      ) : !current ? (
        <EmptyState title="No dashboards yet">Open a cluster, pick a chart and press its pin button to pin it into a new dashboard.</EmptyState>
      ) : (
        <BoardView key={current.id} board={current} canEdit={canEdit} onDeleted={() => select(null)} />
      )}
    </Stack>
  );
}
