import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { parseChannel, createSender, validateChannel } from '../index.ts';
import { sampleNotification } from '../testdata/receiver.ts';

interface Mail {
  from: string;
  to: string[];
  user: string | undefined;
  secure: boolean;
  raw: string;
}

let dir = '';
let cert = '';
let key = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mon-email-'));
  // A self-signed certificate for 127.0.0.1, made by the openssl CLI, that the client trusts through ca_file.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  key = readFileSync(join(dir, 'key.pem'), 'utf8');
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** startSmtp runs an in-process SMTP server with STARTTLS and AUTH (user "alerts", password "hunter2-pw") that records mail. */
async function startSmtp(over: Partial<SMTPServerOptions> = {}): Promise<{ port: number; mails: Mail[]; close: () => Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    key,
    cert,
    logger: false,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, cb) {
      if (auth.username === 'alerts' && auth.password === 'hunter2-pw') return cb(null, { user: auth.username });
      const err = Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 });
      cb(err);
    },
    onData(stream, session, cb) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (raw += c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          secure: session.secure,
          raw,
        });
        cb();
      });
    },
    ...over,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function channel(port: number, over: Record<string, unknown> = {}) {
  return parseChannel(
    {
      name: 'mail',
      type: 'email',
      host: '127.0.0.1',
      port,
      username: 'alerts',
      password: 'hunter2-pw',
      from: 'etcd-monitor <monitor@example.com>',
      to: ['ops@example.com', 'Oncall <oncall@example.com>'],
      ca_file: join(dir, 'cert.pem'),
      ...over,
    },
    'channels[0]',
  );
}

const signal = () => AbortSignal.timeout(10_000);

test('email upgrades with STARTTLS, authenticates and delivers the rendered notification', async (t) => {
  const smtp = await startSmtp();
  t.after(smtp.close);
  const res = await createSender(channel(smtp.port)).send(sampleNotification({ id: 'n-42' }), signal());
  assert.equal(res.ok, true, res.error);
  assert.equal(res.status, 250);
  const [m] = smtp.mails;
  assert.equal(m!.secure, true, 'the session was upgraded with STARTTLS');
  assert.equal(m!.user, 'alerts');
  assert.equal(m!.from, 'monitor@example.com');
  assert.deepEqual(m!.to, ['ops@example.com', 'oncall@example.com']);
  assert.match(m!.raw, /^Subject: \[FIRING:1\] EtcdNoLeader prod \(etcd-1 critical\)\r$/m);
  assert.match(m!.raw, /^Message-ID: <n-42@etcd-monitor>\r$/m);
  assert.match(m!.raw, /^X-Etcd-Monitor-Group-Key:\s+[0-9a-f]{64}\r$/m);
  // The body is quoted-printable: undo soft line breaks and =3D before looking for the text.
  assert.match(m!.raw.replace(/=\r\n/g, '').replace(/=3D/g, '='), /\[firing\] etcd member etcd-1 of prod has no leader\r\n {2}labels: alertname=EtcdNoLeader cluster=prod/);
  assert.match(m!.raw, /Content-Type: text\/html/);
});

test('email: a wrong password is permanent (535) and never appears in the error', async (t) => {
  const smtp = await startSmtp();
  t.after(smtp.close);
  const res = await createSender(channel(smtp.port, { password: 'wrong-password-1' })).send(sampleNotification(), signal());
  assert.equal(res.ok, false);
  assert.equal(res.retry, false);
  assert.equal(res.status, 535);
  assert.doesNotMatch(res.error!, /wrong-password-1/);
  assert.equal(smtp.mails.length, 0);
});

test('email: SMTP 4xx replies retry, 5xx replies are permanent', async (t) => {
  let code = 450;
  const smtp = await startSmtp({
    onRcptTo(_addr, _session, cb) {
      cb(Object.assign(new Error(code === 450 ? 'Mailbox busy, try later' : 'No such user'), { responseCode: code }));
    },
  });
  t.after(smtp.close);
  const sender = createSender(channel(smtp.port));
  const busy = await sender.send(sampleNotification(), signal());
  assert.equal(busy.retry, true, busy.error);
  assert.equal(busy.status, 450);
  code = 550;
  const gone = await sender.send(sampleNotification(), signal());
  assert.equal(gone.retry, false, gone.error);
  assert.equal(gone.status, 550);
});

test('email refuses to send without STARTTLS when require_tls is on, and an untrusted certificate is permanent', async (t) => {
  const plain = await startSmtp({ disabledCommands: ['STARTTLS'], authOptional: true, allowInsecureAuth: true });
  t.after(plain.close);
  const noTls = await createSender(channel(plain.port)).send(sampleNotification(), signal());
  assert.equal(noTls.ok, false);
  assert.equal(noTls.retry, false, JSON.stringify(noTls));
  assert.equal(plain.mails.length, 0);

  const smtp = await startSmtp();
  t.after(smtp.close);
  const ch = channel(smtp.port);
  delete (ch.config as Record<string, unknown>).ca_file;
  const untrusted = await createSender(ch).send(sampleNotification(), signal());
  assert.equal(untrusted.ok, false);
  assert.equal(untrusted.retry, false, untrusted.error);
  assert.match(untrusted.error!, /certificate/);
});

test('email retries when the server is unreachable or aborts', async () => {
  const smtp = await startSmtp();
  const port = smtp.port;
  await smtp.close();
  const res = await createSender(channel(port)).send(sampleNotification(), signal());
  assert.equal(res.ok, false);
  assert.equal(res.retry, true, res.error);
});

test('email config: addresses and auth pairs are checked with the field named', () => {
  const r = validateChannel({ name: 'mail', type: 'email', host: 'smtp.example.com', from: 'not-an-address', to: ['ok@example.com', 'a@b, c@d'], username: 'u' }, 'channels[1]');
  assert.ok(!r.ok);
  assert.deepEqual(r.issues.map((i) => i.path).sort(), ['channels[1].from', 'channels[1].password', 'channels[1].to[1]']);
  const ok = validateChannel({ name: 'mail', type: 'email', host: 'smtp.example.com', from: 'a@example.com', to: 'b@example.com', auth_password: 'p', auth_username: 'u' }, 'c');
  assert.ok(ok.ok);
  assert.deepEqual(ok.channel.config.to, ['b@example.com']);
  assert.equal(ok.channel.config.port, 587);
  assert.equal(ok.channel.config.require_tls, true);
  assert.deepEqual(Object.keys(ok.channel.secrets), ['password']);
});
