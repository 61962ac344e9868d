import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAppError } from '@etcd-monitor/core';
import { formatExpr, parseExpr } from './expr.ts';

const fails = (text: string, re: RegExp, hint?: RegExp) => {
  assert.throws(
    () => parseExpr(text, 'rules[0].expr'),
    (err: unknown) => {
      assert.ok(isAppError(err, 'MON_RULE_EXPR'), String(err));
      assert.match(err.message, /^rules\[0\]\.expr: /);
      assert.match(err.message, re);
      if (hint) assert.match(err.hint ?? '', hint);
      assert.equal(err.field, 'rules[0].expr');
      return true;
    },
    text,
  );
};

test('parseExpr reads thresholds, windows, ratios, absent, predict_linear and findings', () => {
  const cases = [
    'wal_fsync_p99_seconds{member="m1"} > 0.5',
    'rate(proposals_failed_total[5m]) > 0',
    'increase(leader_changes_total[15m]) >= 4',
    'avg_over_time(grpc_errors_rate[10m]) / avg_over_time(grpc_requests_rate[10m]) > 0.01',
    'absent(has_leader[2m])',
    'predict_linear(db_size_bytes[1h], 4h) > quota_bytes',
    'finding("split_brain")',
    'sum(up) < (count(up) + 1) / 2',
    'fragmentation_ratio > 0.5 and db_size_in_use_bytes > 1e8',
    'quantile_over_time(0.99, probe_write_ms[5m]) > 250',
    'up{member=~"m[12]", cluster!="x"} == 0',
  ];
  for (const c of cases) {
    const e = parseExpr(c);
    assert.equal(formatExpr(parseExpr(formatExpr(e))), formatExpr(e), c);
  }
  assert.equal(formatExpr(parseExpr('increase(leader_changes_total[1h30m]) > 1')), 'increase(leader_changes_total[90m]) > 1');
});

test('parseExpr names an unknown series and suggests the derived series meant', () => {
  fails('wal_fsync_p99_second > 0.5', /unknown series "wal_fsync_p99_second" at column 1/, /did you mean "wal_fsync_p99_seconds"/);
  fails('rate(proposal_failed_total[5m]) > 1', /unknown series "proposal_failed_total" at column 6/, /proposals_failed_total/);
  fails('finding("split_brian")', /unknown finding "split_brian"/, /split_brain/);
  fails('avg(x_y) > 1', /unknown series "x_y"/);
  fails('rat(has_leader[5m])', /unknown function "rat"/, /rate/);
});

test('parseExpr gives the column of malformed input', () => {
  fails('has_leader ==', /unexpected end of expression at column 14/);
  fails('has_leader == 0)', /unexpected "\)" at column 16/);
  fails('(has_leader == 0', /expected "\)", found the end at column 17/);
  fails('has_leader{member="m1" == 0', /expected "," or "}"/);
  fails('has_leader{node="m1"} == 0', /unknown label "node" at column 12/);
  fails('rate(has_leader) > 1', /rate needs a range selector at column 6/);
  fails('has_leader[5m] > 1', /needs a function at column 1/);
  fails('rate(has_leader[5x]) > 1', /unknown unit "x"|is not a duration/);
  fails('has_leader == "a"', /only allowed as a function argument/);
  fails('1 > 0', /selects no series/);
  fails('has_leader # 1', /unexpected character "#" at column 12/);
  fails('quantile_over_time(2, has_leader[5m])', /between 0 and 1/);
  fails('predict_linear(db_size_bytes[1h]) > 1', /takes 2 arguments/);
  fails('up{member=~"("} == 0', /bad regular expression/);
});
