import { randomBytes } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import { SecretBox, SecretDecryptionError, keyId } from './secret-box';

const boxWith = (secretKey: Buffer, previousSecretKeys: Buffer[] = []) => new SecretBox({ secretKey, previousSecretKeys } as unknown as AppConfig);

describe('SecretBox', () => {
  const key = randomBytes(32);

  it('round-trips a secret and never stores the plaintext', () => {
    const sut = boxWith(key);
    const stored = sut.encrypt('okta-client-secret-ü');
    expect(stored).not.toContain('okta-client-secret');
    expect(stored.split(':')).toHaveLength(5);
    expect(stored.split(':')[1]).toBe(keyId(key));
    expect(sut.decrypt(stored)).toBe('okta-client-secret-ü');
  });

  it('uses a fresh IV each time, so equal secrets do not look equal at rest', () => {
    const sut = boxWith(key);
    expect(sut.encrypt('same')).not.toBe(sut.encrypt('same'));
  });

  it.each([
    ['ciphertext', 4],
    ['auth tag', 3],
    ['iv', 2],
  ])('detects a tampered %s', (_part, index) => {
    const sut = boxWith(key);
    const parts = sut.encrypt('secret value').split(':');
    const bytes = Buffer.from(parts[index], 'base64url');
    bytes[0] ^= 0x01;
    parts[index] = bytes.toString('base64url');
    expect(() => sut.decrypt(parts.join(':'))).toThrow(SecretDecryptionError);
  });

  it('refuses a ciphertext relabelled with another key id', () => {
    const other = randomBytes(32);
    const sut = boxWith(key, [other]);
    const parts = sut.encrypt('secret').split(':');
    parts[1] = keyId(other);
    expect(() => sut.decrypt(parts.join(':'))).toThrow(/authentication tag/);
  });

  it('decrypts with a previous key after rotation and says the secret needs re-encryption', () => {
    const oldKey = randomBytes(32);
    const stored = boxWith(oldKey).encrypt('rotated');
    const sut = boxWith(randomBytes(32), [oldKey]);
    expect(sut.decrypt(stored)).toBe('rotated');
    expect(sut.needsRotation(stored)).toBe(true);
    expect(sut.needsRotation(sut.encrypt('x'))).toBe(false);
  });

  it('names the missing key when the ciphertext was made with an unknown key', () => {
    const stored = boxWith(randomBytes(32)).encrypt('x');
    expect(() => boxWith(key).decrypt(stored)).toThrow(/neither SECRET_KEY nor in SECRET_KEYS_PREVIOUS/);
  });

  it('refuses malformed input', () => {
    expect(() => boxWith(key).decrypt('plaintext')).toThrow(/unknown format/);
  });
});
