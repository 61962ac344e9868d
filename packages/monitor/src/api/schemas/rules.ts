import { Type, type Static } from 'typebox';
import { NameParams, StringEnum, StringMap } from './common.ts';

const RuleFields = {
  name: Type.String(),
  severity: Type.String(),
  for: Type.String({ description: 'how long the condition must hold, such as 5m' }),
  expr: Type.String(),
  labels: StringMap,
  summary: Type.String(),
  description: Type.String(),
  runbook: Type.String(),
  enabled: Type.Boolean(),
};

/** RuleStatus is a rule's last evaluation (ms) and how many of its alerts are pending or firing. */
export const RuleStatus = Type.Object(
  { active: Type.Number(), lastEvaluation: Type.Optional(Type.Number()), lastError: Type.Optional(Type.String()) },
  { additionalProperties: true },
);

/** RuleDef is a rule as `PUT /api/v1/rules/NAME` answers it (one per severity). */
export const RuleDef = Type.Object(RuleFields);
export type RuleDef = Static<typeof RuleDef>;

/** Rule is one rule of `GET /api/v1/rules` (a rule with several severities appears once per severity), with its status. */
export const Rule = Type.Object({ ...RuleFields, status: RuleStatus });
export type Rule = Static<typeof Rule>;

/** RuleParams is the `:name` of a rule. */
export const RuleParams = NameParams;

/** RuleBody is the body of `PUT /api/v1/rules/NAME`: only the keys to change. */
export const RuleBody = Type.Object(
  {
    expr: Type.Optional(Type.String()),
    for: Type.Optional(Type.String()),
    severity: Type.Optional(Type.String()),
    labels: Type.Optional(Type.Object({}, { additionalProperties: true })),
    summary: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    runbook: Type.Optional(Type.String()),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** RuleTestBody is the body of `POST /api/v1/rules/test`: a rule by name, or a rule body, and the stretch of history to replay. */
export const RuleTestBody = Type.Object({
  name: Type.Optional(Type.String()),
  rule: Type.Optional(Type.Object({}, { additionalProperties: true })),
  cluster: Type.String(),
  from: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  step: Type.Optional(Type.String()),
});

/** RuleTestResult is what `POST /api/v1/rules/test` answers: when the rule would have been pending, firing and resolved. */
export const RuleTestResult = Type.Object({
  rule: Type.String(),
  evaluations: Type.Number(),
  transitions: Type.Array(
    Type.Object({
      t: Type.Number(),
      time: Type.Optional(Type.String({ description: 't as ISO 8601' })),
      member: Type.Optional(Type.String()),
      state: StringEnum(['pending', 'firing', 'resolved']),
      value: Type.Optional(Type.Number()),
    }),
  ),
  firstFiringAt: Type.Optional(Type.String()),
  firingAtEnd: Type.Array(Type.String(), { description: "the members (or '' for the cluster) still firing at the end" }),
  notes: Type.Array(Type.String()),
});
export type RuleTestResult = Static<typeof RuleTestResult>;
