import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError, formatMatcher, parseDuration } from '@etcd-monitor/core';
import type { ApiDeps } from '../deps.ts';
import { parseTime } from '../time.ts';
import { requireCluster } from '../known-cluster.ts';
import {
  compileRule,
  FINDING_EVENT_TYPES,
  findingsFromEvents,
  findRule,
  parseRule,
  readsFindings,
  ruleKey,
  ruleView,
  testRule,
  type CompiledRule,
  type Silence,
} from '../../alerting/index.ts';
import { MAX_EVENT_LIMIT } from '../../storage/validate.ts';
import { namedQuery } from '../../member-keys.ts';
import type { Alert } from '../../alerting/types.ts';
import { NameParams, NoContent, withErrors } from '../schemas/common.ts';
import { Alert as AlertSchema, AlertHistoryEntry, AlertHistoryQuery, AlertsQuery, AlertSummary, type AlertCounts } from '../schemas/alerts.ts';
import { Rule, RuleBody, RuleDef, RuleParams, RuleTestBody, RuleTestResult } from '../schemas/rules.ts';
import { Silence as SilenceSchema, SilenceBody, SilenceParams, type Silence as SilenceView } from '../schemas/silences.ts';
import type { SilenceState } from '../../alerting/dispatch/silences.ts';
import { Channel, ChannelBody, DeliveryAttempt } from '../schemas/channels.ts';
import { RoutesBody, RoutesView } from '../schemas/routes.ts';
import { Notifications, NotificationsQuery } from '../schemas/notifications.ts';

const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

/** alertView is the API's shape of an alert: pending alerts report `startsAt` as when their condition began. */
function alertView(a: Alert, deps: ApiDeps) {
  const muted = deps.alerting.dispatcher.muted(a);
  return {
    fingerprint: a.fingerprint,
    labels: a.labels,
    annotations: a.annotations,
    state: a.state,
    value: a.value,
    activeAt: iso(a.activeAt),
    startsAt: iso(a.startsAt ?? a.activeAt),
    ...(a.endsAt !== undefined ? { endsAt: iso(a.endsAt) } : {}),
    silencedBy: muted.silencedBy,
    inhibited: muted.inhibited,
  };
}

const isoAt = (t: number) => new Date(t).toISOString();

function silenceView(s: Silence & { state?: SilenceState }): SilenceView {
  return {
    id: s.id,
    matchers: s.matchers.map(formatMatcher),
    startsAt: isoAt(s.startsAt),
    endsAt: isoAt(s.endsAt),
    createdBy: s.createdBy,
    comment: s.comment,
    state: s.state,
    updatedAt: isoAt(s.updatedAt),
  };
}

/** alertRoutes serves alerts, alert history, rules (list and test), silences, channels, routes and the delivery log. */
export async function alertRoutes(fastify: FastifyInstance, deps: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const a = deps.alerting;
  app.get(
    '/alerts',
    {
      schema: {
        summary: 'Pending and firing alerts: [{labels, state, startsAt, annotations, …}]',
        tags: ['alerts'],
        querystring: AlertsQuery,
        response: withErrors({ 200: Type.Array(AlertSchema) }),
      },
    },
    async (req) => {
      const q = req.query;
      requireCluster(deps, q.cluster);
      return a.engine
        .alerts({ ...(q.cluster ? { cluster: q.cluster } : {}), ...(q.state ? { state: q.state } : {}) })
        .filter((x) => x.state !== 'resolved')
        .map((x) => alertView(x, deps));
    },
  );
  app.get(
    '/alerts/summary',
    {
      schema: {
        summary: 'Alert counts per cluster and in total: firing (neither silenced nor inhibited), silenced, inhibited, pending',
        tags: ['alerts'],
        response: withErrors({ 200: AlertSummary }),
      },
    },
    async () => {
      const zero = (): AlertCounts => ({ firing: 0, silenced: 0, inhibited: 0, pending: 0 });
      const out: { total: AlertCounts; clusters: Record<string, AlertCounts> } = { total: zero(), clusters: {} };
      for (const x of a.engine.alerts()) {
        if (x.state === 'resolved') continue;
        let kind: keyof AlertCounts = 'pending';
        if (x.state === 'firing') {
          const muted = a.dispatcher.muted(x);
          kind = muted.silencedBy.length > 0 ? 'silenced' : muted.inhibited ? 'inhibited' : 'firing';
        }
        const c = (out.clusters[x.labels.cluster ?? ''] ??= zero());
        c[kind]++;
        out.total[kind]++;
      }
      return out;
    },
  );
  app.get(
    '/alerts/history',
    {
      schema: { summary: 'Every alert that fired, newest first', tags: ['alerts'], querystring: AlertHistoryQuery, response: withErrors({ 200: Type.Array(AlertHistoryEntry) }) },
    },
    async (req) => {
      const q = req.query;
      if (q.cluster) requireCluster(deps, q.cluster, () => a.history.list({ cluster: q.cluster!, limit: 1 }).length > 0);
      return a.history
        .list({
          ...(q.cluster ? { cluster: q.cluster } : {}),
          ...(q.alertname ? { alertname: q.alertname } : {}),
          ...(q.since ? { since: parseTime(q.since, 'since') } : {}),
          limit: q.limit ?? 500,
        })
        .map((x) => ({ ...x, activeAt: iso(x.activeAt), startsAt: iso(x.startsAt), endsAt: iso(x.endsAt) }));
    },
  );

  app.get('/rules', { schema: { summary: 'Rules: name, severity, for, expr, docs, state', tags: ['rules'], response: withErrors({ 200: Type.Array(Rule) }) } }, async () => {
    const status = a.engine.ruleStatus();
    return a.rules().map((r) => ({ ...ruleView(r), status: status.get(ruleKey(r)) ?? { active: 0 } }));
  });
  app.put(
    '/rules/:name',
    {
      schema: {
        summary: 'Change a rule (only the keys given; every severity variant) or add one; persisted. {"enabled": false} turns a rule off.',
        tags: ['rules'],
        params: RuleParams,
        body: RuleBody,
        response: withErrors({ 200: Type.Array(RuleDef) }),
      },
    },
    async (req) => {
      const { name } = req.params;
      const out = a.putRule(name, req.body);
      deps.audit('rule.put', name, req);
      return out.map(ruleView);
    },
  );
  app.delete(
    '/rules/:name',
    { schema: { summary: "Undo the API's change to a rule, or remove an API-added rule", tags: ['rules'], params: RuleParams, response: withErrors({ 204: NoContent }) } },
    async (req, reply) => {
      const { name } = req.params;
      a.deleteRule(name);
      deps.audit('rule.delete', name, req);
      return reply.status(204).send();
    },
  );
  app.post(
    '/rules/test',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'Replay a rule (by name, or a rule body) over stored history and say when it would have fired',
        tags: ['rules'],
        body: RuleTestBody,
        response: withErrors({ 200: RuleTestResult }),
      },
    },
    async (req) => {
      const b = req.body;
      const base = b.name ? findRule(a.rules(), b.name) : undefined;
      if (b.name && !base) throw new AppError('MON_NOT_FOUND', `no rule named "${b.name}"`, { field: 'name', hint: 'GET /api/v1/rules lists them' });
      if (!b.name && !b.rule) throw new AppError('MON_BAD_REQUEST', 'name: give a rule name or a rule body', { field: 'name' });
      const rule = b.rule ? parseRule(b.name ? { name: b.name, ...b.rule } : b.rule, base, 'rule') : base!;
      const snap = deps.registry.get(b.cluster);
      const now = Date.now();
      const from = parseTime(b.from ?? '1h', 'from', now);
      const to = b.to ? parseTime(b.to, 'to', now) : now;
      const step = b.step ? parseDuration(b.step, 'step') : Math.max(1000, Math.ceil((to - from) / 2000 / 1000) * 1000);
      const members = snap.members.map((m) => m.name || m.id || m.endpoint);
      // Findings are not stored as series: they are rebuilt from the cluster's events up to `to` (the newest 10,000).
      const compiled = 'ast' in rule ? (rule as CompiledRule) : compileRule(rule);
      const events = readsFindings(compiled.ast) ? deps.store.queryEvents({ cluster: b.cluster, type: [...FINDING_EVENT_TYPES], until: to, limit: MAX_EVENT_LIMIT }).reverse() : [];
      const r = testRule(
        compiled,
        {
          cluster: b.cluster,
          members,
          read: (s, c, m, f, t) =>
            namedQuery(deps.store, deps.registry.members, { series: s, cluster: c, ...(m !== undefined ? { member: m } : {}), from: f, to: t }).points[0]?.points ?? [],
          findings: findingsFromEvents(events),
        },
        from,
        to,
        step,
      );
      const notes = readsFindings(compiled.ast)
        ? [`findings replayed from ${events.length} stored events; findings already present when the monitor started have no event and are missing`]
        : [];
      return { ...r, firstFiringAt: iso(r.firstFiringAt), transitions: r.transitions.map((t) => ({ ...t, time: iso(t.t) })), notes };
    },
  );

  app.get(
    '/silences',
    { schema: { summary: 'Silences (active, pending and recently expired)', tags: ['silences'], response: withErrors({ 200: Type.Array(SilenceSchema) }) } },
    async () => a.silences.list().map(silenceView),
  );
  app.post(
    '/silences',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'Create a silence from {matchers, startsAt?, endsAt or duration (such as "2h"; exactly one of them), createdBy, comment}',
        tags: ['silences'],
        body: SilenceBody,
        response: withErrors({ 201: SilenceSchema }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const s = a.silences.create({ ...b, createdBy: b.createdBy || req.principal.name });
      deps.audit('silence.create', s.id, req);
      return reply.status(201).send(silenceView({ ...s, state: a.silences.get(s.id)?.state }));
    },
  );
  app.delete(
    '/silences/:id',
    { config: { role: 'operator' }, schema: { summary: 'Expire a silence', tags: ['silences'], params: SilenceParams, response: withErrors({ 200: SilenceSchema }) } },
    async (req) => {
      const { id } = req.params;
      const s = a.silences.expire(id);
      deps.audit('silence.expire', id, req);
      return silenceView({ ...s, state: 'expired' });
    },
  );

  app.get('/channels', { schema: { summary: 'Notification channels (secrets never shown)', tags: ['channels'], response: withErrors({ 200: Type.Array(Channel) }) } }, async () =>
    a.channelViews(),
  );
  app.put(
    '/channels/:name',
    {
      schema: {
        summary:
          'Create or replace a channel: {type, …the type\'s keys}; secret keys are stored encrypted and never shown back. Editing a channel, a secret key left out, blank or "[redacted]" keeps the stored value; null clears it',
        tags: ['channels'],
        params: NameParams,
        body: ChannelBody,
        response: withErrors({ 200: Channel }),
      },
    },
    async (req) => {
      const { name } = req.params;
      const ch = a.putChannel(name, req.body);
      deps.audit('channel.put', name, req);
      return a.channelView(ch);
    },
  );
  app.delete(
    '/channels/:name',
    { schema: { summary: 'Remove an API-created channel', tags: ['channels'], params: NameParams, response: withErrors({ 204: NoContent }) } },
    async (req, reply) => {
      const { name } = req.params;
      a.deleteChannel(name);
      deps.audit('channel.delete', name, req);
      return reply.status(204).send();
    },
  );
  app.post(
    '/channels/:name/test',
    { config: { role: 'operator' }, schema: { summary: 'Send a test notification now', tags: ['channels'], params: NameParams, response: withErrors({ 200: DeliveryAttempt }) } },
    async (req) => {
      const { name } = req.params;
      const attempt = await a.sendTest(name);
      deps.audit('channel.test', name, req);
      return attempt;
    },
  );

  app.get(
    '/routes',
    {
      schema: {
        summary:
          "The routes in force, in order (first match wins unless continue), and where they come from: config (the file's [[routes]], read-only), api, or default (every alert to every channel)",
        tags: ['routes'],
        response: withErrors({ 200: RoutesView }),
      },
    },
    async () => a.routesView(),
  );
  app.put(
    '/routes',
    {
      schema: {
        summary:
          'Replace the whole ordered route list (the [[routes]] tables as JSON), applied at once and persisted; 409 MON_ROUTES_READONLY while the config file has [[routes]], 409 MON_ROUTES_CONFLICT when version is stale',
        tags: ['routes'],
        body: RoutesBody,
        response: withErrors({ 200: RoutesView }),
      },
    },
    async (req) => {
      const b = req.body;
      const view = a.putRoutes(b.routes, b.version);
      deps.audit('routes.put', `${view.routes.length} routes`, req);
      return view;
    },
  );
  app.delete(
    '/routes',
    { schema: { summary: "Drop the API's routes: back to the default (every alert to every channel)", tags: ['routes'], response: withErrors({ 204: NoContent }) } },
    async (req, reply) => {
      a.deleteRoutes();
      deps.audit('routes.delete', 'routes', req);
      return reply.status(204).send();
    },
  );

  app.get(
    '/notifications',
    {
      schema: { summary: 'The delivery log: notifications and their attempts', tags: ['channels'], querystring: NotificationsQuery, response: withErrors({ 200: Notifications }) },
    },
    async (req) => {
      const q = req.query;
      const limit = q.limit ?? 200;
      return {
        counts: a.outbox.counts(),
        entries: a.outbox.entries({ ...(q.channel ? { channel: q.channel } : {}), limit }),
        attempts: a.outbox.log({ ...(q.channel ? { channel: q.channel } : {}), limit }),
      };
    },
  );
}
