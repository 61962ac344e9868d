import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '@etcd-monitor/core';
import { metricsDump } from '../testing/dumps.ts';
import { parsePrometheusText, parseFloatToken } from './parse.ts';

// Two scrapes of /metrics from the same etcd 3.4.23 member, some time apart.
const t0 = metricsDump('t0');
const t1 = metricsDump('t1');

test('both etcd dumps parse into every family and every sample line', () => {
  for (const text of [t0, t1]) {
    const set = parsePrometheusText(text);
    // Counted with grep: 129 "# TYPE" lines (45 counter, 64 gauge, 19 histogram, 1 summary) and 1294 sample lines.
    assert.equal(set.families.size, 129);
    let n = 0;
    const types: Record<string, number> = {};
    for (const f of set.families.values()) {
      n += f.samples.length;
      types[f.type] = (types[f.type] ?? 0) + 1;
    }
    assert.equal(n, 1294);
    assert.deepEqual(types, { gauge: 64, histogram: 19, counter: 45, summary: 1 });
  }
});

test('families carry their type, help and samples as written in the dump', () => {
  const set = parsePrometheusText(t0);
  const leader = set.families.get('etcd_server_has_leader')!;
  assert.equal(leader.type, 'gauge');
  assert.equal(leader.help, 'Whether or not a leader exists. 1 is existence, 0 is not.');
  assert.deepEqual(leader.samples, [{ name: 'etcd_server_has_leader', labels: {}, value: 1, timestamp: undefined }]);

  assert.equal(set.families.get('etcd_mvcc_db_total_size_in_bytes')!.samples[0]!.value, 118784);
  assert.equal(set.families.get('process_start_time_seconds')!.samples[0]!.value, 1.7953288373e9);
  // etcd 3.4 declares this counter-like metric as a gauge; the parser reports what the dump says.
  assert.equal(set.families.get('etcd_server_proposals_committed_total')!.type, 'gauge');

  const version = set.families.get('etcd_server_version')!;
  assert.deepEqual(version.samples[0]!.labels, { server_version: '3.4.23' });
});

test('histogram and summary sample lines attach to their family', () => {
  const set = parsePrometheusText(t0);
  const wal = set.families.get('etcd_disk_wal_fsync_duration_seconds')!;
  assert.equal(wal.type, 'histogram');
  // 15 buckets (0.001 … 8.192 and +Inf), then _sum and _count.
  assert.equal(wal.samples.length, 17);
  assert.deepEqual(wal.samples[14], { name: 'etcd_disk_wal_fsync_duration_seconds_bucket', labels: { le: '+Inf' }, value: 552, timestamp: undefined });
  assert.equal(wal.samples[15]!.name, 'etcd_disk_wal_fsync_duration_seconds_sum');
  assert.equal(wal.samples[15]!.value, 0.6861441730000012);
  assert.equal(wal.samples[16]!.value, 552);
  assert.equal(set.families.has('etcd_disk_wal_fsync_duration_seconds_bucket'), false);

  const gc = set.families.get('go_gc_duration_seconds')!;
  assert.equal(gc.type, 'summary');
  assert.deepEqual(
    gc.samples.map((s) => [s.name, s.labels.quantile, s.value]),
    [
      ['go_gc_duration_seconds', '0', 1.8647e-5],
      ['go_gc_duration_seconds', '0.25', 7.8316e-5],
      ['go_gc_duration_seconds', '0.5', 0.0003096],
      ['go_gc_duration_seconds', '0.75', 0.000567343],
      ['go_gc_duration_seconds', '1', 0.001557804],
      ['go_gc_duration_seconds_sum', undefined, 0.003136759],
      ['go_gc_duration_seconds_count', undefined, 7],
    ],
  );
});

test('label escapes, special values, timestamps and loose spacing are understood', () => {
  const text = [
    '# A plain comment is ignored',
    '# HELP odd Help with a \\\\ backslash\\nand a newline.',
    '# TYPE odd gauge',
    '',
    'odd{path="C:\\\\dir",quote="say \\"hi\\"",nl="a\\nb"} NaN',
    'odd{k="+Inf"} +Inf 1700000000000',
    '  odd { k = "neg" , } -Inf   -5  ',
    'odd{} 1e-3\r',
    'odd{k="plain"}2.5',
    'no_type_line 42',
    'odd{k="unicode ✓ ü"} -0.5',
  ].join('\n');
  const set = parsePrometheusText(text);
  const odd = set.families.get('odd')!;
  assert.equal(odd.help, 'Help with a \\ backslash\nand a newline.');
  const [a, b, c, d, e, f] = odd.samples;
  assert.deepEqual(a!.labels, { path: 'C:\\dir', quote: 'say "hi"', nl: 'a\nb' });
  assert.ok(Number.isNaN(a!.value));
  assert.deepEqual([b!.labels.k, b!.value, b!.timestamp], ['+Inf', Infinity, 1700000000000]);
  assert.deepEqual([c!.labels, c!.value, c!.timestamp], [{ k: 'neg' }, -Infinity, -5]);
  assert.deepEqual([d!.labels, d!.value], [{}, 0.001]);
  assert.equal(e!.value, 2.5);
  assert.equal(f!.labels.k, 'unicode ✓ ü');
  assert.deepEqual(set.families.get('no_type_line'), {
    name: 'no_type_line',
    type: 'untyped',
    help: '',
    samples: [{ name: 'no_type_line', labels: {}, value: 42, timestamp: undefined }],
  });
});

test('a label named __proto__ is kept as an ordinary label', () => {
  const s = parsePrometheusText('m{__proto__="x"} 1').families.get('m')!.samples[0]!;
  assert.equal(Object.getPrototypeOf(s.labels), Object.prototype);
  assert.deepEqual(Object.entries(s.labels), [['__proto__', 'x']]);
});

test('malformed text is rejected with ETCD_PROM_PARSE naming the line and the problem', () => {
  const head = '# HELP ok A fine metric.\n# TYPE ok gauge\nok 1\n';
  // [text, line of the error, text the message must contain]
  const cases: Array<[string, number, string]> = [
    [`${head}bad{a=b} 1`, 4, 'expected a quoted value for label a of bad'],
    [`${head}bad{a="b" c="d"} 1`, 4, 'expected "," or "}" after label a of bad'],
    [`${head}bad{a="b} 1`, 4, 'unterminated value of label a of bad'],
    [`${head}bad{a="b",c="d" 1`, 4, 'expected "," or "}" after label c of bad'],
    [`${head}bad{a="b", 1`, 4, 'invalid label name at "1" in bad'],
    [`${head}bad{1a="b"} 1`, 4, 'invalid label name at "1a=\\"b\\"} 1" in bad'],
    [`${head}bad{a} 1`, 4, 'expected "=" after label a of bad'],
    [`${head}bad{a="1",a="2"} 1`, 4, 'duplicate label a in bad'],
    [`${head}bad{a="\\t"} 1`, 4, 'invalid escape "\\\\t" in label a of bad'],
    [`${head}bad{a="b"`, 4, 'unterminated label set of bad'],
    [`${head}bad`, 4, 'missing value for bad'],
    [`${head}bad{a="b"}   `, 4, 'missing value for bad'],
    [`${head}bad 1.2.3`, 4, 'invalid value "1.2.3" for bad'],
    [`${head}bad abc`, 4, 'invalid value "abc" for bad'],
    [`${head}bad 0x10`, 4, 'invalid value "0x10" for bad'],
    [`${head}bad 1 12.5`, 4, 'invalid timestamp "12.5" for bad'],
    [`${head}bad 1 2 3`, 4, 'unexpected "3" after the timestamp of bad'],
    [`${head}bad-name 1`, 4, 'invalid character "-" in metric name bad'],
    [`${head}{a="b"} 1`, 4, 'expected a metric name, found "{a=\\"b\\"} 1"'],
    [`${head}# TYPE ok counter`, 4, 'second TYPE line for ok'],
    [`${head}# TYPE other countr`, 4, 'invalid TYPE "countr" for other'],
    [`${head}# TYPE other`, 4, 'invalid TYPE "" for other'],
    [`later 1\n\n# TYPE later counter`, 3, 'TYPE line for later comes after its samples'],
    [`${head}# HELP ok Again.`, 4, 'second HELP line for ok'],
    [`${head}# HELP`, 4, 'HELP line needs a valid metric name'],
    [`${head}# TYPE 9lives gauge`, 4, 'TYPE line needs a valid metric name, found "9lives gauge"'],
    ['# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket 2', 3, 'h_bucket needs a le label'],
    ['# TYPE h histogram\nh_bucket{le="one"} 1', 2, 'le label of h_bucket is "one"; want a number'],
    ['# TYPE h histogram\nh 1', 2, 'sample h of histogram h needs a _bucket, _sum or _count suffix'],
    ['# TYPE s summary\ns_sum 1\ns 2', 3, 's needs a quantile label'],
  ];
  for (const [text, line, what] of cases) {
    assert.throws(
      () => parsePrometheusText(text),
      (err: unknown) => {
        assert.ok(isAppError(err, 'ETCD_PROM_PARSE'), `${JSON.stringify(text)}: ${String(err)}`);
        assert.ok(err.message.startsWith(`line ${line}: `), `${JSON.stringify(text)}: ${err.message}`);
        assert.ok(err.message.includes(what), `${JSON.stringify(text)}: ${err.message} lacks ${what}`);
        assert.ok(err.hint);
        return true;
      },
    );
  }
});

test('line numbers count blank lines and comments, and CRLF endings', () => {
  assert.throws(() => parsePrometheusText('a 1\r\n\r\n# c\r\nb x\r\n'), /^AppError: line 4: invalid value "x" for b/);
});

test('parseFloatToken reads the value spellings Go writes and refuses the rest', () => {
  assert.equal(parseFloatToken('1.7953288373e+09'), 1795328837.3);
  assert.equal(parseFloatToken('-0.5'), -0.5);
  assert.equal(parseFloatToken('+Inf'), Infinity);
  assert.equal(parseFloatToken('-Inf'), -Infinity);
  assert.ok(Number.isNaN(parseFloatToken('NaN')!));
  for (const bad of ['', ' 1', '1_000', '0b1', 'Infinity1', '1e', '.', '-']) assert.equal(parseFloatToken(bad), undefined, bad);
});

test('a hundred thousand series with escaped label values parse', () => {
  // Escaped values take the slow path; this is the size a quadratic scan would not survive. Speed itself: parse.bench.ts.
  const lines = ['# TYPE big counter'];
  for (let i = 0; i < 100_000; i++) lines.push(`big{id="${i}",path="/a\\\\b",x="y"} ${i}`);
  const set = parsePrometheusText(lines.join('\n'));
  assert.equal(set.families.get('big')!.samples.length, 100_000);
  assert.equal(set.families.get('big')!.samples[99_999]!.labels.path, '/a\\b');
});
