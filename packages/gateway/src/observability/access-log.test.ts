import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@etcd-monitor/core/testing';
import type { ConfigIssue } from '../config/fields.ts';
import { FileAccessLog, compileAccessLogFormat, isLogPath, type AccessLogEntry } from './access-log.ts';

const entry = (over: Partial<AccessLogEntry> = {}): AccessLogEntry => ({
  req: { headers: { referer: 'http://r/', 'user-agent': 'ua', cookie: 'a=1; sid=s' }, httpVersion: '1.1', socket: { remoteAddress: '10.0.0.9' } } as never,
  host: 'h.test',
  method: 'POST',
  path: '/p',
  query: '?q=1',
  scheme: 'https',
  clientIp: '10.0.0.9',
  remoteAddr: '10.0.0.9',
  tlsVersion: '',
  tlsCipher: '',
  status: 201,
  bytesSent: 2048,
  payloadSize: 12,
  start: Date.UTC(2026, 0, 2, 3, 4, 5),
  latency: 12.4,
  requestId: 'rid',
  location: 'loc',
  server: 'srv',
  upstreamAddr: '10.1.1.1:80',
  upstreamStatus: 201,
  upstreamConnectTime: -1,
  upstreamResponseTime: 10.2,
  connectionReused: true,
  responseHeader: (n) => (n.toLowerCase() === 'x-r' ? 'rv' : undefined),
  ...over,
});

test("presets render like pingap's", () => {
  const issues: ConfigIssue[] = [];
  assert.equal(compileAccessLogFormat('combined', 'x', issues)(entry()), '10.0.0.9 "POST /p?q=1 HTTP/1.1" 201 2.0 kB "http://r/" "ua"');
  assert.equal(compileAccessLogFormat('common', 'x', issues)(entry()), '10.0.0.9 "POST /p?q=1 HTTP/1.1" 201 2.0 kB');
  assert.equal(compileAccessLogFormat('short', 'x', issues)(entry()), '10.0.0.9 POST /p?q=1 HTTP/1.1 201 2.0 kB - 12ms');
  assert.equal(compileAccessLogFormat('tiny', 'x', issues)(entry()), 'POST /p?q=1 201 2.0 kB - 12ms');
  assert.equal(
    compileAccessLogFormat('{when_utc_iso} {when_unix} {latency_human} {payload_size} {<X-R} {~sid} {$GW_TEST_ENV}', 'x', issues)(entry()),
    '2026-01-02T03:04:05.000Z 1767323045000 12ms 12 rv s ',
  );
  assert.deepEqual(JSON.parse(compileAccessLogFormat('json:status,uri,>User-Agent', 'x', issues)(entry())), { status: 201, uri: '/p?q=1', 'User-Agent': 'ua' });
  assert.deepEqual(issues, []);
});

test('paths and formats are told apart', () => {
  assert.equal(isLogPath('/var/log/pingap/access.log'), true);
  assert.equal(isLogPath('./access.log'), true);
  assert.equal(isLogPath('{host} {path}'), false);
  assert.equal(isLogPath('combined'), false);
});

test('a file log rotates by size', () => {
  const dir = tempDir('gw-log');
  const file = join(dir, 'access.log');
  const log = new FileAccessLog(file, '', 100);
  for (let i = 0; i < 5; i++) {
    log.write('x'.repeat(59));
    log.flush();
  }
  log.close();
  const files = readdirSync(dir).sort();
  assert.equal(files.length, 5, files.join(','));
  assert.equal(readFileSync(file, 'utf8'), `${'x'.repeat(59)}\n`);
});

test('a file log rotates by time, naming the old file after its period', (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: Date.UTC(2026, 10, 25, 9, 59, 0) });
  const dir = tempDir('gw-log');
  const file = join(dir, 'access.log');
  const log = new FileAccessLog(file, 'hourly');
  log.write('nine');
  log.flush();
  t.mock.timers.tick(2 * 60_000);
  log.write('ten');
  log.flush();
  log.close();
  assert.deepEqual(readdirSync(dir).sort(), ['access.log', 'access.log.2026-11-25-09']);
  assert.equal(readFileSync(join(dir, 'access.log.2026-11-25-09'), 'utf8'), 'nine\n');
  assert.equal(readFileSync(file, 'utf8'), 'ten\n');
});

test('text formats escape what a client sent as nginx does (\\xHH for ", \\, control and non-ASCII bytes); JSON formats JSON-escape it', () => {
  const issues: ConfigIssue[] = [];
  const forged = entry({
    path: '/p" 200 9 "-" "x\n10.6.6.6 "GET /admin',
    query: '?a=\\b',
    host: 'h\t.test',
    method: 'GET',
    req: { headers: { referer: 'r\r\nX: y', 'user-agent': 'ua" forged \u00e9\u4e2d', 'x-h': 'v"\u0000', cookie: 'sid="s"' }, httpVersion: '1.1', socket: {} } as never,
  });
  const line = compileAccessLogFormat('combined', 'x', issues)(forged);
  assert.equal(
    line,
    '10.0.0.9 "GET /p\\x22 200 9 \\x22-\\x22 \\x22x\\x0A10.6.6.6 \\x22GET /admin?a=\\x5Cb HTTP/1.1" 201 2.0 kB "r\\x0D\\x0AX: y" "ua\\x22 forged \\xE9\\xE4\\xB8\\xAD"',
  );
  assert.doesNotMatch(line, /\n/);
  assert.equal(line.split('"').length, 7, 'exactly the three quoted fields of the format');
  assert.equal(compileAccessLogFormat('{host} {>X-H} {~sid} {status} {latency}', 'x', issues)(forged), 'h\\x09.test v\\x22\\x00 \\x22s\\x22 201 12');
  const json = compileAccessLogFormat('json:uri,user_agent,referer,>X-H', 'x', issues)(forged);
  assert.doesNotMatch(json, /\n/);
  assert.deepEqual(JSON.parse(json), { uri: '/p" 200 9 "-" "x\n10.6.6.6 "GET /admin?a=\\b', user_agent: 'ua" forged \u00e9\u4e2d', referer: 'r\r\nX: y', 'X-H': 'v"\u0000' });
  assert.deepEqual(issues, []);
});
