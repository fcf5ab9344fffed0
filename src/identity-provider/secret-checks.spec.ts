import { generateKeyPairSync } from 'node:crypto';
import { checkGoogleServiceAccountKey, checkOktaPrivateJwk } from './secret-checks';

function rsaJwk() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateJwk: { ...privateKey.export({ format: 'jwk' }), kid: 'okta-key-1', alg: 'RS256', use: 'sig' }, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid: 'okta-key-1' }, privateKey };
}

describe('checkOktaPrivateJwk', () => {
  const { privateJwk, publicJwk, privateKey } = rsaJwk();

  it("accepts the private RSA key as Okta's Add key dialog shows it", async () => {
    await expect(checkOktaPrivateJwk(JSON.stringify(privateJwk, null, 2))).resolves.toBeNull();
  });

  it('accepts a private EC key on P-256', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    await expect(checkOktaPrivateJwk(JSON.stringify({ ...ec, kid: 'ec-1' }))).resolves.toBeNull();
  });

  it('rejects the public half with a message to paste the private key', async () => {
    await expect(checkOktaPrivateJwk(JSON.stringify(publicJwk))).resolves.toBe(
      'okta_private_jwk is a public key (it has no "d"): paste the private key in JSON format from Okta\'s "Add key" dialog, not the public key',
    );
  });

  it('rejects a PEM key', async () => {
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await expect(checkOktaPrivateJwk(pem)).resolves.toMatch(/^okta_private_jwk is a PEM key: paste the private key in JSON format/);
  });

  it('rejects a key without kid', async () => {
    const { kid: _kid, ...withoutKid } = privateJwk;
    await expect(checkOktaPrivateJwk(JSON.stringify(withoutKid))).resolves.toMatch(/^okta_private_jwk has no "kid": Okta needs the key ID/);
  });

  it('rejects text that is not JSON without quoting it', async () => {
    const problem = await checkOktaPrivateJwk('not-json-secret-material');
    expect(problem).toBe('okta_private_jwk is not valid JSON: paste the private key in JSON format from Okta\'s "Add key" dialog');
    expect(problem).not.toContain('secret-material');
  });

  it('rejects a JWK set', async () => {
    await expect(checkOktaPrivateJwk(JSON.stringify({ keys: [privateJwk] }))).resolves.toMatch(/is a key set/);
  });

  it('rejects other key types and curves', async () => {
    await expect(checkOktaPrivateJwk(JSON.stringify({ kty: 'oct', k: 'abc', kid: 'x' }))).resolves.toMatch(/must be an RSA or EC key \(kty "RSA" or "EC", got "oct"\)/);
    await expect(checkOktaPrivateJwk(JSON.stringify({ kty: 'EC', crv: 'secp256k1', d: 'x', kid: 'x' }))).resolves.toMatch(/unsupported curve/);
  });

  it('rejects a damaged private key', async () => {
    await expect(checkOktaPrivateJwk(JSON.stringify({ ...privateJwk, n: 'AQAB', d: 'AQAB' }))).resolves.toMatch(/^okta_private_jwk cannot be read as a RSA private key/);
  });
});

describe('checkGoogleServiceAccountKey', () => {
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

  it('accepts the PKCS#8 PEM private key of a service account', () => {
    expect(checkGoogleServiceAccountKey(pem)).toBeNull();
  });

  it('asks for the private_key value when the whole JSON file is pasted', () => {
    expect(checkGoogleServiceAccountKey(JSON.stringify({ private_key: pem, client_email: 'x@y.iam.gserviceaccount.com' }))).toMatch(/not the whole file$/);
  });

  it('rejects text that is not a PEM private key', () => {
    expect(checkGoogleServiceAccountKey('-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----')).toMatch(/^google_service_account_key is not a PEM private key/);
  });

  it('rejects an EC key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(checkGoogleServiceAccountKey(ec)).toMatch(/must be an RSA private key/);
  });
});
