import { useComputedColorScheme, Group, Text } from '@mantine/core';
import { compareMembers, memberLabel } from '../../lib/member.ts';
import type { Cluster, Member } from '@etcd-monitor/monitor/contract';

const W = 420;
const H = 300;
const R = 28;

/** rttColor maps a peer round-trip p99 (seconds) to green, amber or red. */
function rttColor(s: number): string {
  if (s < 0.01) return '#12b886';
  if (s < 0.05) return '#fab005';
  return '#fa5252';
}

function memberState(m: Member, partitioned: Set<string>): 'down' | 'partitioned' | 'up' {
  if (!m.up) return 'down';
  if (m.name !== null && partitioned.has(m.name)) return 'partitioned';
  return 'up';
}

/**
 * Topology draws the members as nodes on a circle: the leader with a crown and a thick ring, learners dashed, down
 * members red and crossed, partitioned members amber. Peer links are coloured by the larger peer RTT p99 of their two
 * ends when the metrics carry it, and drawn dashed red towards a member that is down.
 */
export function Topology({ cluster }: { cluster: Cluster }) {
  const dark = useComputedColorScheme('light') === 'dark';
  const fg = dark ? '#c1c2c5' : '#212529';
  const bg = dark ? '#25262b' : '#ffffff';
  const ms = [...cluster.members].sort(compareMembers);
  const partitioned = new Set(cluster.health.findings.filter((f) => f.code === 'member_partitioned' || f.code === 'monitor_partitioned').map((f) => f.member ?? ''));
  const n = ms.length;
  const pos = ms.map((_, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(n, 1);
    return n === 1 ? { x: W / 2, y: H / 2 } : { x: W / 2 + Math.cos(a) * (H / 2 - 56), y: H / 2 + Math.sin(a) * (H / 2 - 56) };
  });
  const links: Array<{ a: number; b: number }> = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) links.push({ a: i, b: j });
  return (
    <div>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width="100%"
        style={{ maxHeight: H, display: 'block' }}
        role="img"
        aria-label={`Topology of ${cluster.name}: ${ms.map((m) => `${memberLabel(m)} ${m.isLeader ? 'leader' : m.isLearner ? 'learner' : m.up ? 'follower' : 'role unknown'} ${memberState(m, partitioned)}`).join(', ')}`}
        data-testid="topology"
      >
        {links.map(({ a, b }) => {
          const ma = ms[a]!;
          const mb = ms[b]!;
          const down = !ma.up || !mb.up;
          const rtts = [ma.metrics?.peer_rtt_p99_seconds, mb.metrics?.peer_rtt_p99_seconds].filter((v): v is number => typeof v === 'number');
          const rtt = rtts.length ? Math.max(...rtts) : null;
          const color = down ? '#fa5252' : rtt !== null ? rttColor(rtt) : dark ? '#5c5f66' : '#adb5bd';
          const mid = { x: (pos[a]!.x + pos[b]!.x) / 2, y: (pos[a]!.y + pos[b]!.y) / 2 };
          return (
            <g key={`${a}-${b}`}>
              <line x1={pos[a]!.x} y1={pos[a]!.y} x2={pos[b]!.x} y2={pos[b]!.y} stroke={color} strokeWidth={down ? 1.5 : 2.5} strokeDasharray={down ? '6 5' : undefined}>
                <title>{down ? 'link to a member that is down' : rtt !== null ? `peer RTT p99 up to ${(rtt * 1000).toFixed(2)} ms` : 'no RTT measured yet'}</title>
              </line>
              {rtt !== null && !down && (
                <text x={mid.x} y={mid.y - 4} fontSize={10} textAnchor="middle" fill={fg} opacity={0.8}>
                  {(rtt * 1000).toFixed(1)} ms
                </text>
              )}
            </g>
          );
        })}
        {ms.map((m, i) => {
          const st = memberState(m, partitioned);
          const stroke = st === 'down' ? '#fa5252' : st === 'partitioned' ? '#fd7e14' : m.isLeader ? '#12b886' : dark ? '#909296' : '#868e96';
          const p = pos[i]!;
          return (
            <g key={m.endpoint} data-testid="topology-node" data-member={memberLabel(m)} data-leader={m.isLeader ? 'true' : 'false'} data-state={st}>
              <title>{`${memberLabel(m)} (${m.endpoint}) — ${st}${m.isLeader ? ', leader' : ''}${m.isLearner ? ', learner' : ''}${m.error ? `: ${m.error.message}` : ''}`}</title>
              <circle cx={p.x} cy={p.y} r={R} fill={bg} stroke={stroke} strokeWidth={m.isLeader ? 5 : 2.5} strokeDasharray={m.isLearner ? '5 4' : undefined} />
              {st === 'down' && <path d={`M${p.x - 12} ${p.y - 12} L${p.x + 12} ${p.y + 12} M${p.x + 12} ${p.y - 12} L${p.x - 12} ${p.y + 12}`} stroke="#fa5252" strokeWidth={3} />}
              {m.isLeader && (
                <text x={p.x} y={p.y - R - 6} textAnchor="middle" fontSize={16} fill="#f59f00" aria-hidden>
                  ♛
                </text>
              )}
              <text x={p.x} y={p.y + 4} textAnchor="middle" fontSize={11} fontWeight={600} fill={fg}>
                {m.isLeader ? 'leader' : m.isLearner ? 'learner' : st === 'down' ? '' : 'follower'}
              </text>
              <text x={p.x} y={p.y + R + 16} textAnchor="middle" fontSize={12} fill={fg}>
                {memberLabel(m)}
              </text>
            </g>
          );
        })}
      </svg>
      <Group gap="md" justify="center">
        <Text size="xs" c="dimmed">
          ♛ leader · dashed ring: learner · red ✕: down · amber: partitioned · links: RTT p99 &lt;10 ms green, &lt;50 ms amber, else red
        </Text>
      </Group>
    </div>
  );
}
