// The dashboards API's shapes, from the monitor's own declaration (no copy to drift).
export type { Dashboard, Panel } from '@etcd-monitor/monitor/contract';
