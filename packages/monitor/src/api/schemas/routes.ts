import { Type, type Static } from 'typebox';
import { StringEnum } from './common.ts';

/** RouteTable is a route written as a `[[routes]]` table (and the routes API's JSON): durations as text, matchers as strings. */
export const RouteTable = Type.Object({
  channels: Type.Array(Type.String(), { description: "the receiving channels' names" }),
  severity: Type.Array(Type.String(), { description: 'the severities the route takes; empty means all' }),
  matchers: Type.Array(Type.String(), { description: 'label matchers, such as cluster=~"prod-.*"' }),
  continue: Type.Boolean({ description: 'a matched alert goes on to the next routes' }),
  group_by: Type.Array(Type.String(), { description: 'the labels that split alerts into groups' }),
  group_wait: Type.String({ description: "the first notification's wait, such as 30s" }),
  group_interval: Type.String({ description: "the wait between a group's updates, such as 5m" }),
  repeat_interval: Type.String({ description: 'the wait before an unchanged group is notified again, such as 4h' }),
});
export type RouteTable = Static<typeof RouteTable>;

/** RoutesView is the routes in force as `GET /api/v1/routes` shows them. */
export const RoutesView = Type.Object({
  source: StringEnum(['config', 'api', 'default'], { description: "the config file's [[routes]], the API (UI), or the built-in default" }),
  editable: Type.Boolean({ description: 'whether the API may change them (not while the config file has [[routes]])' }),
  version: Type.String({ description: 'changes with every API change; a PUT that gives an older one is refused (MON_ROUTES_CONFLICT)' }),
  routes: Type.Array(RouteTable, { description: 'in order, the first match winning unless it says continue' }),
});
export type RoutesView = Static<typeof RoutesView>;

/** RoutesBody is the body of `PUT /api/v1/routes`. */
export const RoutesBody = Type.Object(
  { routes: Type.Array(Type.Object({}, { additionalProperties: true })), version: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
