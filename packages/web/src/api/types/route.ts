/** RouteTable is one route of `GET /api/v1/routes`, written as a `[[routes]]` table. */
export interface RouteTable {
  channels: string[];
  severity: string[];
  matchers: string[];
  continue: boolean;
  group_by: string[];
  group_wait: string;
  group_interval: string;
  repeat_interval: string;
}

/** Routes is `GET /api/v1/routes`: the routes in force, in order, and where they come from. */
export interface Routes {
  source: 'config' | 'api' | 'default';
  editable: boolean;
  version: string;
  routes: RouteTable[];
}
