import fs from 'node:fs/promises';
import path from 'node:path';
import { cleanEnv, findBinary, runBounded } from './processes.ts';

/** TestCerts are the PEM files of a throwaway CA, a server certificate for 127.0.0.1/localhost and a client certificate with CN=root. */
export interface TestCerts {
  /** dir is the directory holding every file below. */
  dir: string;
  /** caFile is the CA certificate that signed the server and client certificates. */
  caFile: string;
  /** serverCertFile is the certificate etcd presents on client and peer ports (and as a peer client); SAN IP:127.0.0.1, DNS:localhost. */
  serverCertFile: string;
  /** serverKeyFile is the private key of serverCertFile. */
  serverKeyFile: string;
  /** certFile is the client certificate, CN=root, so it authenticates as root when etcd auth is on. */
  certFile: string;
  /** keyFile is the private key of certFile. */
  keyFile: string;
}

// P-256 keys: generating them takes milliseconds, where RSA-2048 takes a noticeable share of a test's budget on 2 cores.
const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** generateCerts writes a CA, a server and a client certificate into dir with the openssl CLI; they are valid for two days. */
export async function generateCerts(dir: string, opts: { clientCommonName?: string } = {}): Promise<TestCerts> {
  const openssl = findBinary('openssl');
  if (openssl === undefined) throw new Error('openssl is not installed: run "apt-get install -y openssl"');
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const f = (name: string): string => path.join(dir, name);
  const env = cleanEnv();
  const run = async (args: string[]): Promise<void> => {
    const r = await runBounded(openssl, args, { env, timeoutMs: 20_000 });
    if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  };

  // Go refuses a CA without basicConstraints CA:TRUE and ignores the CN for host names: both are spelled out.
  await run([
    'req',
    '-x509',
    ...newKey,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=etcd-test-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);

  // The server certificate doubles as the peer client certificate, hence clientAuth next to serverAuth.
  await fs.writeFile(
    f('server.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '',
    ].join('\n'),
  );
  await fs.writeFile(f('client.ext'), ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth', ''].join('\n'));

  const issue = async (name: string, cn: string): Promise<void> => {
    await run(['req', ...newKey, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`]);
    await run([
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.crt'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f(`${name}.crt`),
      '-days',
      '2',
      '-extfile',
      f(`${name}.ext`),
    ]);
  };
  // Sequential: both would write the CA serial file.
  await issue('server', 'etcd-test-server');
  await issue('client', opts.clientCommonName ?? 'root');

  return {
    dir,
    caFile: f('ca.crt'),
    serverCertFile: f('server.crt'),
    serverKeyFile: f('server.key'),
    certFile: f('client.crt'),
    keyFile: f('client.key'),
  };
}
