// The routes API's shapes, from the monitor's own declaration (no copy to drift).
export type { RouteTable, RoutesView as Routes } from '@etcd-monitor/monitor/contract';
