// The JSON shapes of the REST API that the web UI reads as well: types and constants only, and no imports, because the
// UI's type check includes this file (packages/web/src/api/types/*.ts re-export from it), so the two sides cannot drift.

/** RouteTable is a route written as a `[[routes]]` table (and the routes API's JSON): durations as text, matchers as strings. */
export interface RouteTable {
  /** channels are the receiving channels' names. */
  channels: string[];
  /** severity lists the severities the route takes; empty means all. */
  severity: string[];
  /** matchers are the label matchers, such as `cluster=~"prod-.*"`. */
  matchers: string[];
  /** continue lets a matched alert go on to the next routes. */
  continue: boolean;
  /** group_by are the labels that split alerts into groups. */
  group_by: string[];
  /** group_wait is the first notification's wait, such as "30s". */
  group_wait: string;
  /** group_interval is the wait between a group's updates, such as "5m". */
  group_interval: string;
  /** repeat_interval is the wait before an unchanged group is notified again, such as "4h". */
  repeat_interval: string;
}

/** RoutesView is the routes in force as `GET /api/v1/routes` shows them. */
export interface RoutesView {
  /** source says where the routes come from: the config file's `[[routes]]`, the API (UI), or the built-in default. */
  source: 'config' | 'api' | 'default';
  /** editable tells whether the API may change them (not while the config file has `[[routes]]`). */
  editable: boolean;
  /** version changes with every API change; a PUT that gives an older one is refused (MON_ROUTES_CONFLICT). */
  version: string;
  /** routes are the routes in order, the first match winning unless it says continue, as `[[routes]]` tables. */
  routes: RouteTable[];
}

/** AlertCounts counts a cluster's alerts by what an operator has to act on. */
export interface AlertCounts {
  /** firing counts firing alerts that are neither silenced nor inhibited: the ones that page. */
  firing: number;
  /** silenced counts firing alerts muted by an active silence. */
  silenced: number;
  /** inhibited counts firing alerts muted by a firing cause (and not silenced). */
  inhibited: number;
  /** pending counts alerts whose condition holds but whose `for` has not passed yet. */
  pending: number;
}

/** AlertSummary is `GET /api/v1/alerts/summary`: alert counts per cluster and in total, silenced ones apart from firing ones. */
export interface AlertSummary {
  /** total sums every cluster. */
  total: AlertCounts;
  /** clusters holds the counts of each cluster that has an alert. */
  clusters: Record<string, AlertCounts>;
}

/** RANGE_KEYS are the chart ranges of the UI's range picker, which a dashboard panel is saved with. */
export const RANGE_KEYS = ['live', 'live24h', '1h', '24h', '7d', '30d', '90d'] as const;

/** RangeKey names one of them. */
export type RangeKey = (typeof RANGE_KEYS)[number];

/** Panel is one chart of a dashboard: a series of a cluster (every member, or one), drawn over a range. */
export interface Panel {
  cluster: string;
  /** member is one member; omitted for every member. */
  member?: string;
  series: string;
  range: RangeKey;
  /** title replaces the chart's catalog title when set. */
  title?: string;
}

/** Dashboard is a named, ordered list of panels, shared by every user of the monitor. */
export interface Dashboard {
  id: string;
  name: string;
  panels: Panel[];
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

/** SeriesUnit is how a series' values read: the UI formats and labels axes by it. */
export type SeriesUnit = 'bytes' | 'bytesPerSec' | 'seconds' | 'ms' | 'opsPerSec' | 'count' | 'ratio' | 'cores';

/** SeriesDef describes one stored series the monitor records. */
export interface SeriesDef {
  /** name is the stored series name, as `/series/query?series=` takes it. */
  name: string;
  /** title is a short readable name for a chart. */
  title: string;
  /** unit is how its values read. */
  unit: SeriesUnit;
  /** scope says whether the series is recorded per member or once per cluster (member ''). */
  scope: 'member' | 'cluster';
  /** group is the chart section it belongs to, such as `Raft` or `Requests`. */
  group: string;
  /** source says where it comes from: an etcd metric, the Status call, a probe, or the health model. */
  source: string;
}

/** SeriesPattern describes a family of series named after label values, such as `grpc_Range_OK_rate`. */
export interface SeriesPattern {
  /** pattern shows the name's shape, such as `grpc_<method>_<code>_rate`. */
  pattern: string;
  /** regex matches the names of the family (JavaScript syntax, anchored); its groups are the label values, in `labels` order. */
  regex: string;
  /** labels name the regex's groups. */
  labels: string[];
  /** title is a chart title with the labels as `<method>` placeholders. */
  title: string;
  /** unit is how the values read. */
  unit: SeriesUnit;
  /** scope is where the family is recorded. */
  scope: 'member' | 'cluster';
  /** group is the chart section. */
  group: string;
  /** source says where it comes from. */
  source: string;
}

/** SeriesCatalog is `GET /api/v1/series/catalog`: every series the monitor records, and the families named after labels. */
export interface SeriesCatalog {
  series: SeriesDef[];
  patterns: SeriesPattern[];
}

/** ChannelFieldView is one key of a channel type as `GET /api/v1/channel-types` lists it: enough to build and check its form. */
export interface ChannelFieldView {
  /** key is the channel key, in the API body and the config file. */
  key: string;
  /** label names the key in a form. */
  label: string;
  /** kind is the value's type: durations are written like "5h" and read as milliseconds, `strings` is a list. */
  kind: 'string' | 'integer' | 'number' | 'boolean' | 'duration' | 'size' | 'strings' | 'table';
  /** doc is the key's one-sentence description. */
  doc: string;
  /** secret tells that the value is stored encrypted and never shown back. */
  secret: boolean;
  /** required tells that a channel of this type must set the key. */
  required: boolean;
  /** default is the value used when the key is left out, as written in the config file. */
  default?: string | number | boolean | string[];
  /** options are the only accepted values, when restricted. */
  options?: string[];
  /** placeholder is the example an empty input shows. */
  placeholder?: string;
  /** hint is a short note for the input. */
  hint?: string;
  /** check names the syntax the value must have: an absolute http(s) URL, a mail address, a PagerDuty integration key. */
  check?: 'url' | 'address' | 'key';
  /** aliases are other accepted names for the key. */
  aliases?: string[];
}

/** ChannelTypeView is one notification channel type with its keys, in form order (`GET /api/v1/channel-types`). */
export interface ChannelTypeView {
  /** type is the channel's `type` value. */
  type: string;
  /** label names the type in a form. */
  label: string;
  /** doc is the type's one-sentence description. */
  doc: string;
  /** fields are the type's keys besides `name` and `type`. */
  fields: ChannelFieldView[];
}
