/** Rule is one rule of `GET /api/v1/rules` (a rule with several severities appears once per severity). */
export interface Rule {
  name: string;
  severity: string;
  for: string;
  expr: string;
  labels: Record<string, string>;
  summary: string;
  description: string;
  runbook: string;
  enabled: boolean;
  status?: { active: number; [key: string]: unknown };
}
