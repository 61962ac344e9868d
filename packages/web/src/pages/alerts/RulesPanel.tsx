import { useState } from 'react';
import { Alert, Anchor, Badge, Code, Paper, Switch, Table, Text, TextInput, Title, Group } from '@mantine/core';
import { errorText } from '../../api/client.ts';
import { apiPath, useApiMutation, useApiQuery } from '../../api/use-api.ts';
import { ErrorState, LoadingState } from '../../components/states.tsx';
import type { Rule } from '@etcd-monitor/monitor/contract';

const SEVERITY: Record<string, string> = { critical: 'red', warning: 'yellow', info: 'blue' };

/** RulesPanel lists the rules in force with their expression, `for`, severity and docs, and turns them on and off. */
export function RulesPanel() {
  const q = useApiQuery<Rule[]>({ path: '/rules', refetchInterval: 30_000, retry: false });
  const setEnabled = useApiMutation<unknown, { name: string; enabled: boolean }>({
    method: 'PUT',
    path: ({ name }) => apiPath`/rules/${name}`,
    body: ({ enabled }) => ({ enabled }),
  });
  const [busy, setBusy] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const toggle = async (r: Rule, enabled: boolean) => {
    setBusy(r.name);
    setErr(null);
    try {
      await setEnabled.mutateAsync({ name: r.name, enabled });
    } catch (e) {
      setErr(`Could not turn ${r.name} ${enabled ? 'on' : 'off'}: ${errorText(e)}`);
    } finally {
      setBusy(null);
    }
  };
  const needle = search.trim().toLowerCase();
  const rows = (q.data ?? []).filter((r) => !needle || `${r.name} ${r.severity} ${r.expr} ${r.summary}`.toLowerCase().includes(needle));
  return (
    <Paper withBorder p="sm">
      <Group justify="space-between" mb="xs">
        <Title order={4}>Rules</Title>
        <TextInput size="xs" placeholder="Filter rules" aria-label="Filter rules" value={search} onChange={(e) => setSearch(e.currentTarget.value)} />
      </Group>
      {err && (
        <Alert color="red" variant="light" role="alert" mb="xs">
          {err}
        </Alert>
      )}
      {q.isPending ? (
        <LoadingState what="rules" />
      ) : q.isError ? (
        <ErrorState title="Could not load the rules" error={q.error} onRetry={() => void q.refetch()} />
      ) : rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {needle ? 'No rule matches the filter.' : 'No rules are in force.'}
        </Text>
      ) : (
        <Table data-testid="rules-table" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Enabled</Table.Th>
              <Table.Th>Rule</Table.Th>
              <Table.Th>Severity</Table.Th>
              <Table.Th>For</Table.Th>
              <Table.Th>Expression</Table.Th>
              <Table.Th>Docs</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={`${r.name}/${r.severity}`} data-rule={r.name} data-enabled={String(r.enabled)}>
                <Table.Td>
                  <Switch checked={r.enabled} disabled={busy === r.name} onChange={(e) => void toggle(r, e.currentTarget.checked)} aria-label={`${r.name} enabled`} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {r.name}
                  </Text>
                  {r.status.active ? (
                    <Text size="xs" c="red">
                      {r.status.active} active
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" color={SEVERITY[r.severity] ?? 'gray'}>
                    {r.severity}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Code>{r.for}</Code>
                </Table.Td>
                <Table.Td maw={420}>
                  <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                    {r.expr}
                  </Code>
                </Table.Td>
                <Table.Td maw={360}>
                  <Text size="sm">{r.summary}</Text>
                  {r.description && (
                    <Text size="xs" c="dimmed">
                      {r.description}
                    </Text>
                  )}
                  {r.runbook && (
                    <Anchor size="xs" href={r.runbook} target="_blank" rel="noreferrer">
                      runbook
                    </Anchor>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}
