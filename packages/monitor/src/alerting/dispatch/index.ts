// The dispatch stage: routing, grouping, inhibition and silences, producing Notifications for delivery.
export { Dispatcher, type DispatcherOptions, type GroupInfo } from './dispatcher.ts';
export { CAUSE_ALERTS, DEFAULT_INHIBIT_RULES, Inhibitor, INHIBIT_FIELDS, readInhibitRules, SYMPTOM_ALERTS, type InhibitRule } from './inhibit.ts';
export { DEFAULT_GROUPING, defaultRoutes, durationText, matchRoutes, readRoutes, ROUTE_FIELDS, routeTable, type Grouping, type Route, type RouteTable } from './routes.ts';
export { MemorySilenceStore, Silences, type Silence, type SilenceInput, type SilenceState, type SilenceStore } from './silences.ts';
