import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '@etcd-monitor/core';

const PREFIX = 'enc:v1:';

/** SecretBox encrypts credentials at rest with AES-256-GCM; the stored form is `enc:v1:` + base64(iv|tag|ciphertext). */
export interface SecretBox {
  /** seal encrypts a secret for storage. */
  seal(plain: string): string;
  /** open decrypts a value produced by seal; it fails with MON_SECRET_KEY when the key is not the one that sealed it. */
  open(sealed: string): string;
}

/**
 * openSecretBox derives the key from ETCD_MONITOR_SECRET_KEY when set, else from the key file, which is created with
 * 32 random bytes (mode 0600) on first use. Losing the key file makes stored passwords unreadable, not the rest.
 */
export function openSecretBox(o: { env?: NodeJS.ProcessEnv; keyFile: string }): SecretBox {
  const fromEnv = o.env?.ETCD_MONITOR_SECRET_KEY;
  let material: Buffer;
  if (fromEnv) material = Buffer.from(fromEnv, 'utf8');
  else if (existsSync(o.keyFile)) material = readFileSync(o.keyFile);
  else {
    mkdirSync(dirname(o.keyFile), { recursive: true, mode: 0o700 });
    material = randomBytes(32);
    writeFileSync(o.keyFile, material, { mode: 0o600, flag: 'wx' });
  }
  const key = scryptSync(material, 'etcd-monitor/secrets/v1', 32);
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return PREFIX + Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
    },
    open(sealed) {
      if (!sealed.startsWith(PREFIX)) return sealed;
      const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
      try {
        const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        d.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
      } catch {
        throw new AppError('MON_SECRET_KEY', 'a stored credential cannot be decrypted with the current secret key', {
          hint: 'restore the original key file or ETCD_MONITOR_SECRET_KEY, or enter the credential again',
        });
      }
    },
  };
}
