import { Table, Text } from '@mantine/core';
import { useSeriesCatalog } from '../../api/queries.ts';
import { formatValue } from '../../lib/format.ts';

/**
 * GrpcTable lists a member's gRPC request rates by method and code (Grafana's "gRPC requests by method and code"),
 * read from the member's latest derived series of the catalogue's `grpc_<method>_<code>_rate` family; etcd counts a
 * pair only once it has served it, so the table holds what this member has actually been asked.
 */
export function GrpcTable({ metrics }: { metrics: Record<string, number> | null }) {
  const catalog = useSeriesCatalog().data;
  const family = catalog?.patterns.find((p) => p.labels.join() === 'method,code');
  if (!family || !metrics)
    return (
      <Text size="sm" c="dimmed">
        No gRPC request counts yet.
      </Text>
    );
  const re = new RegExp(family.regex);
  const rows = Object.entries(metrics)
    .map(([name, v]) => ({ m: re.exec(name), v }))
    .filter((r): r is { m: RegExpExecArray; v: number } => r.m !== null)
    .map(({ m, v }) => ({ method: m[1]!, code: m[2]!, v }))
    .sort((a, b) => b.v - a.v || a.method.localeCompare(b.method) || a.code.localeCompare(b.code));
  if (rows.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No gRPC request counts yet.
      </Text>
    );
  return (
    <Table striped className="tabular" data-testid="grpc-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Method</Table.Th>
          <Table.Th>Code</Table.Th>
          <Table.Th ta="right">Rate</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((r) => (
          <Table.Tr key={`${r.method}/${r.code}`} data-method={r.method} data-code={r.code}>
            <Table.Td>{r.method}</Table.Td>
            <Table.Td>
              {r.code === 'OK' ? (
                r.code
              ) : (
                <Text span c="red" inherit>
                  {r.code}
                </Text>
              )}
            </Table.Td>
            <Table.Td ta="right">{formatValue(r.v, 'opsPerSec')}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
