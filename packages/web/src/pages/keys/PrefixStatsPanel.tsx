import { useState } from 'react';
import { Button, Code, Group, Progress, Table, Text, Title } from '@mantine/core';
import type { PrefixStats } from '@etcd-monitor/monitor/contract';
import { kvPath } from '../../api/kv.ts';
import { useApiQuery } from '../../api/use-api.ts';
import { ErrorState } from '../../components/states.tsx';
import { formatBytes } from '../../lib/format.ts';

/** PrefixStatsPanel answers "what fills the database?": keys and bytes per child prefix, largest first, scanned only when asked (a scan reads every key under the prefix). */
export function PrefixStatsPanel({ cluster, prefix, separator }: { cluster: string; prefix: string; separator: string }) {
  const [asked, setAsked] = useState<string | undefined>(undefined);
  const q = useApiQuery<PrefixStats>({ path: kvPath(cluster, '/stats'), params: { prefix: asked ?? '', separator, top: '50' }, enabled: asked !== undefined, staleTime: 30_000 });
  const total = q.data ? q.data.keyBytes + q.data.valueBytes : 0;
  return (
    <div data-testid="prefix-stats">
      <Group justify="space-between" mb="xs">
        <Title order={4}>What fills the database</Title>
        <Button size="xs" variant="default" loading={q.isFetching} onClick={() => (asked === prefix ? void q.refetch() : setAsked(prefix))} data-testid="stats-scan">
          Scan {prefix ? `under ${prefix}` : 'every key'}
        </Button>
      </Group>
      {asked === undefined && (
        <Text size="sm" c="dimmed">
          Counts the keys and bytes under each child prefix. The scan reads the keys page by page; it does not load the keyspace at once.
        </Text>
      )}
      {q.isError && <ErrorState error={q.error} onRetry={() => void q.refetch()} />}
      {q.data && (
        <>
          <Text size="sm" c="dimmed" className="tabular" mb="xs">
            <Code>{asked || '(every key)'}</Code>: {q.data.keys} keys, {formatBytes(total)} of keys and values at revision {q.data.revision} (scanned in {q.data.scannedMs} ms)
          </Text>
          <Table striped className="tabular" data-testid="stats-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Prefix</Table.Th>
                <Table.Th ta="right">Keys</Table.Th>
                <Table.Th ta="right">Bytes</Table.Th>
                <Table.Th w="30%">Share of bytes</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {q.data.prefixes.map((p) => {
                const bytes = p.keyBytes + p.valueBytes;
                const share = total > 0 ? (100 * bytes) / total : 0;
                return (
                  <Table.Tr key={p.prefix} data-testid="stats-row" data-prefix={p.prefix}>
                    <Table.Td ff="monospace">{p.prefix}</Table.Td>
                    <Table.Td ta="right">{p.keys}</Table.Td>
                    <Table.Td ta="right">{formatBytes(bytes)}</Table.Td>
                    <Table.Td>
                      <Progress value={share} size="sm" aria-label={`${p.prefix}: ${share.toFixed(1)} % of the bytes`} />
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </>
      )}
    </div>
  );
}
