import { generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import type { TestApp } from '../support/app';

/** A private RSA JWK as Okta's "Add key" dialog shows it, and its public half. */
export function oktaKeyPair(kid = 'okta-dirsync-key-1') {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateJwk = { kty: 'RSA', kid, alg: 'RS256', use: 'sig', ...privateKey.export({ format: 'jwk' }) } as Record<string, string>;
  const publicJwk = { kty: 'RSA', kid, alg: 'RS256', use: 'sig', ...publicKey.export({ format: 'jwk' }) } as Record<string, string>;
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { privateJwk, publicJwk, pem };
}

/** The body the Defguard wizard sends for Okta (sign-in only), with every required field. */
export function oktaProvider(baseUrl: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Okta',
    kind: 'Okta',
    base_url: baseUrl,
    client_id: '0oa1signin2app3id',
    client_secret: 'okta-client-secret-VALUE-7f3a9c',
    display_name: 'Okta',
    directory_sync_enabled: false,
    directory_sync_interval: 600,
    directory_sync_user_behavior: 'keep',
    directory_sync_admin_behavior: 'keep',
    directory_sync_target: 'all',
    okta_private_jwk: null,
    okta_dirsync_client_id: null,
    directory_sync_group_match: '',
    prefetch_users: false,
    create_account: false,
    username_handling: 'RemoveForbidden',
    ...overrides,
  };
}

/** Admin REST calls that remember every response body, so a test can check none leaks a secret. */
export class AdminApi {
  readonly bodies: string[] = [];

  constructor(private readonly app: TestApp) {}

  private async send(test: request.Test, body?: unknown): Promise<request.Response> {
    const response = await (body === undefined ? test : test.send(body as object));
    this.bodies.push(response.text ?? '');
    return response;
  }

  get(path: string) {
    return this.send(request(this.app.httpUrl).get(path).set('Authorization', this.app.adminAuth));
  }

  post(path: string, body: unknown) {
    return this.send(request(this.app.httpUrl).post(path).set('Authorization', this.app.adminAuth), body);
  }

  put(path: string, body: unknown) {
    return this.send(request(this.app.httpUrl).put(path).set('Authorization', this.app.adminAuth), body);
  }

  delete(path: string) {
    return this.send(request(this.app.httpUrl).delete(path).set('Authorization', this.app.adminAuth));
  }
}
