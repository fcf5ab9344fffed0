import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretDecryptionError extends Error {
  constructor(reason: string) {
    super(`a stored secret cannot be decrypted: ${reason}`);
    this.name = 'SecretDecryptionError';
  }
}

/** Short, non-reversible name of a key, stored with each ciphertext so old keys can be retired. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/**
 * Encrypts secrets at rest with AES-256-GCM. A ciphertext is
 * `v1:<key id>:<iv>:<auth tag>:<ciphertext>` (base64url parts): the key id picks the key among
 * SECRET_KEY and SECRET_KEYS_PREVIOUS, so SECRET_KEY can be rotated without losing data, and the
 * GCM tag makes any tampering fail loudly instead of yielding garbage.
 */
@Injectable()
export class SecretBox {
  private readonly current: { id: string; key: Buffer };
  private readonly keys: Map<string, Buffer>;

  constructor(config: AppConfig) {
    this.current = { id: keyId(config.secretKey), key: config.secretKey };
    this.keys = new Map([config.secretKey, ...config.previousSecretKeys].map((key) => [keyId(key), key]));
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    // The key id is authenticated too, so a ciphertext cannot be relabelled to another key.
    cipher.setAAD(Buffer.from(this.current.id));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, this.current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join(':');
  }

  decrypt(stored: string): string {
    const parts = stored.split(':');
    if (parts.length !== 5 || parts[0] !== FORMAT) throw new SecretDecryptionError('unknown format');
    const [, id, iv, tag, ciphertext] = parts;
    const key = this.keys.get(id);
    if (!key) throw new SecretDecryptionError(`it was encrypted with key ${id}, which is neither SECRET_KEY nor in SECRET_KEYS_PREVIOUS`);
    const ivBytes = Buffer.from(iv, 'base64url');
    const tagBytes = Buffer.from(tag, 'base64url');
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new SecretDecryptionError('malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, ivBytes);
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError('the authentication tag does not match (tampered or wrong key)');
    }
  }

  /** True when the secret was encrypted with an older key and should be re-encrypted. */
  needsRotation(stored: string): boolean {
    return stored.split(':')[1] !== this.current.id;
  }
}
