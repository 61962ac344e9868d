// The rules stage: the rule model, the expression language, the built-in pack and the replay used by `rules test`.
export { BUILTIN_RULES } from './builtin/index.ts';
export { evaluateExpr, historyScope, snapshotScope, thresholdOf, windowOf, type EvalScope, type HistoryReader, type Vector, type Window } from './evaluate.ts';
export { formatExpr, parseExpr, suggestSeries, type Expr, type LabelMatcher } from './expr.ts';
export { advance, type Activity } from './lifecycle.ts';
export { compileRule, findRule, formatFor, parseRule, readRule, readRules, ruleKey, ruleView, RULE_FIELDS, type CompiledRule, type Rule } from './rule.ts';
export { currentSeries, DERIVED_SERIES, FINDING_CODES, KNOWN_SERIES, memberLabel, PEER_EVIDENCE_SERIES, STATUS_SERIES } from './series.ts';
export { peerEvidence, type PeerEvidence } from './peers.ts';
export { checkTemplate, humanize, renderTemplate, type TemplateData } from './template.ts';
export { testRule, type ReplaySource, type RuleTestResult, type RuleTransition } from './test-rule.ts';
export { FINDING_EVENT_TYPES, findingsFromEvents, readsFindings, type FindingEvent } from './replay-findings.ts';
