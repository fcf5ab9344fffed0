import request from 'supertest';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ProviderService } from '../../src/identity-provider/provider.service';
import { DiscoveryService } from '../../src/identity-provider/discovery.service';
import { ProviderChange } from '../../src/identity-provider/provider.types';
import { startTestApp, TestApp, TEST_CORE_TOKEN } from '../support/app';
import { startDiscoveryServer, DiscoveryServer } from '../support/discovery-server';
import { grpcClient } from '../support/grpc-client';
import { LogCapture } from '../support/log-capture';
import { AdminApi, oktaKeyPair, oktaProvider } from './fixtures';

const PROVIDER = '/api/v1/openid/provider';
const PLACEHOLDER = '********';

describe('provider settings (REST + gRPC, real PostgreSQL, local discovery server)', () => {
  let sut: TestApp;
  let idp: DiscoveryServer;
  let api: AdminApi;
  const logs = new LogCapture();
  const keys = oktaKeyPair();
  const secrets = {
    clientSecret: 'okta-client-secret-VALUE-7f3a9c',
    newClientSecret: 'rotated-client-secret-VALUE-1b2c',
    jwkD: keys.privateJwk.d,
    jwkP: keys.privateJwk.p,
  };
  const providerService = () => sut.app.get(ProviderService);

  beforeAll(async () => {
    idp = await startDiscoveryServer();
    sut = await startTestApp({ env: { LOG_LEVEL: 'debug' }, logs });
    api = new AdminApi(sut);
  });

  afterAll(async () => {
    await sut?.stop();
    await idp?.close();
  });

  beforeEach(() => idp.answer({ mode: 'document' }));

  describe('requires the admin token', () => {
    const routes: [string, string][] = [
      ['get', PROVIDER],
      ['post', PROVIDER],
      ['get', `${PROVIDER}/current`],
      ['get', `${PROVIDER}/Okta`],
      ['put', `${PROVIDER}/Okta`],
      ['delete', `${PROVIDER}/Okta`],
      ['get', '/api/v1/test_directory_sync'],
    ];

    it.each(routes)('%s %s answers 401 without a token', async (method, path) => {
      const response = await (request(sut.httpUrl) as any)[method](path).send(oktaProvider(idp.url)).expect(401);
      expect(response.body.code).toBe('unauthenticated');
    });

    it.each(routes)('%s %s answers 401 with the core token', async (method, path) => {
      await (request(sut.httpUrl) as any)[method](path).set('Authorization', `Bearer ${TEST_CORE_TOKEN}`).send(oktaProvider(idp.url)).expect(401);
    });

    it('writes nothing for an unauthenticated POST', async () => {
      await request(sut.httpUrl).post(PROVIDER).set('Authorization', 'Bearer wrong-token-0123456789').send(oktaProvider(idp.url)).expect(401);
      expect(await sut.db.query('SELECT id FROM identity_providers')).toEqual([]);
    });
  });

  describe('without a provider', () => {
    it('answers current and by-name with 204 and no body, and an empty list', async () => {
      const current = await api.get(`${PROVIDER}/current`);
      expect(current.status).toBe(204);
      expect(current.text).toBe('');
      expect((await api.get(`${PROVIDER}/Okta`)).status).toBe(204);
      expect((await api.get(PROVIDER)).body).toEqual([]);
    });

    it('answers 404 to PUT and DELETE of an unknown provider', async () => {
      const put = await api.put(`${PROVIDER}/Okta`, oktaProvider(idp.url));
      expect(put.status).toBe(404);
      expect(put.body.msg).toBe('No identity provider is called "Okta"');
      expect((await api.delete(`${PROVIDER}/Okta`)).status).toBe(404);
    });

    it('reports directory sync as not configured (HTTP 200)', async () => {
      const response = await api.get('/api/v1/test_directory_sync');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ success: false, message: 'Directory sync is not configured' });
    });

    it("gives core the settings' defaults and no provider over gRPC", async () => {
      const client = grpcClient('ProviderService', sut.grpcAddress, TEST_CORE_TOKEN);
      const response = await client.call('GetCurrentProvider');
      client.close();
      expect(response.provider ?? null).toBeNull();
      expect(response.button_display_name ?? null).toBeNull();
      expect(response.settings).toEqual({ create_account: true, username_handling: 'RemoveForbidden' });
    });
  });

  describe('create, read, update, delete', () => {
    it('creates the provider with 201 and an empty body', async () => {
      const response = await api.post(PROVIDER, oktaProvider(idp.url, { directory_sync_group_match: ' Engineering, VPN users ,, ' }));
      expect(response.status).toBe(201);
      expect(response.text).toBe('');
    });

    it('reads it back in Defguard\'s shape with the secret masked', async () => {
      const response = await api.get(`${PROVIDER}/current`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        provider: {
          id: expect.any(Number),
          name: 'Okta',
          base_url: idp.url,
          kind: 'Okta',
          client_id: '0oa1signin2app3id',
          client_secret: PLACEHOLDER,
          display_name: 'Okta',
          google_service_account_key: null,
          google_service_account_email: null,
          admin_email: null,
          directory_sync_enabled: false,
          directory_sync_interval: 600,
          directory_sync_user_behavior: 'keep',
          directory_sync_admin_behavior: 'keep',
          directory_sync_target: 'all',
          okta_private_jwk: null,
          okta_dirsync_client_id: null,
          directory_sync_group_match: ['Engineering', 'VPN users'],
          jumpcloud_api_key: null,
          prefetch_users: false,
        },
        settings: { create_account: false, username_handling: 'RemoveForbidden' },
      });
      expect((await api.get(`${PROVIDER}/Okta`)).body).toEqual(response.body);
      expect((await api.get(PROVIDER)).body).toEqual([response.body.provider]);
    });

    it('stores the client secret encrypted, and gives it decrypted to internal callers only', async () => {
      const [row] = await sut.db.query<{ client_secret_encrypted: string }>('SELECT client_secret_encrypted FROM identity_providers');
      expect(row.client_secret_encrypted).toMatch(/^v1:/);
      expect(row.client_secret_encrypted).not.toContain(secrets.clientSecret);
      const active = await providerService().getActiveProvider();
      expect(active).toMatchObject({ name: 'Okta', kind: 'Okta', clientSecret: secrets.clientSecret, buttonDisplayName: 'Okta' });
      expect(active?.rules.supportsSelectAccountPrompt).toBe(false);
    });

    it('records the creation in the audit log without secret values', async () => {
      const rows = await sut.db.query<{ actor: string; action: string; changed_fields: string[]; details: Record<string, unknown> }>(
        "SELECT actor, action, changed_fields, details FROM audit_events WHERE entity_type = 'identity_provider' ORDER BY id",
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ actor: 'admin-api', action: 'identity_provider.created', details: { name: 'Okta', kind: 'Okta', identity: 'admin', remote_address: expect.any(String) } });
      expect(rows[0].changed_fields).toEqual(expect.arrayContaining(['base_url', 'client_id', 'client_secret', 'create_account']));
      expect(JSON.stringify(rows)).not.toContain(secrets.clientSecret);
    });

    it('keeps the stored secret when an update sends back the masked value (the edit form round trip)', async () => {
      const current = (await api.get(`${PROVIDER}/current`)).body;
      const body = { ...current.provider, ...current.settings, display_name: 'Sign in with Okta' };
      delete body.id;
      const response = await api.put(`${PROVIDER}/Okta`, body);
      expect(response.status).toBe(200);
      expect(response.text).toBe('');
      const active = await providerService().getActiveProvider();
      expect(active).toMatchObject({ clientSecret: secrets.clientSecret, displayName: 'Sign in with Okta', buttonDisplayName: 'Sign in with Okta' });
      const [audit] = await sut.db.query<{ changed_fields: string[] }>("SELECT changed_fields FROM audit_events WHERE action = 'identity_provider.updated' ORDER BY id DESC LIMIT 1");
      expect(audit.changed_fields).toEqual(['display_name']);
    });

    it('tells core through the change feed in the same transaction, without any secret', async () => {
      const before = await sut.db.query<{ n: number }>("SELECT count(*)::int AS n FROM change_events WHERE type = 'provider.updated'");
      expect((await api.put(`${PROVIDER}/Okta`, oktaProvider(idp.url, { display_name: 'Okta SSO' }))).status).toBe(200);
      const events = await sut.db.query<{ entity_id: string; payload: unknown }>("SELECT entity_id, payload FROM change_events WHERE type = 'provider.updated' ORDER BY sequence");
      expect(events).toHaveLength(before[0].n + 1);
      expect(events[events.length - 1]).toEqual({ entity_id: 'Okta', payload: null });
      // A refused save appends nothing.
      expect((await api.put(`${PROVIDER}/Okta`, oktaProvider(idp.url, { directory_sync_interval: 5 }))).status).toBe(400);
      expect(await sut.db.query("SELECT 1 FROM change_events WHERE type = 'provider.updated'")).toHaveLength(events.length);
    });

    it('keeps the stored secret when an update leaves it blank', async () => {
      expect((await api.put(`${PROVIDER}/Okta`, oktaProvider(idp.url, { client_secret: '' }))).status).toBe(200);
      expect((await providerService().getActiveProvider())?.clientSecret).toBe(secrets.clientSecret);
    });

    it('replaces the secret when an update supplies a new one', async () => {
      expect((await api.put(`${PROVIDER}/Okta`, oktaProvider(idp.url, { client_secret: secrets.newClientSecret }))).status).toBe(200);
      expect((await providerService().getActiveProvider())?.clientSecret).toBe(secrets.newClientSecret);
    });

    it('refuses to rename through PUT', async () => {
      const response = await api.put(`${PROVIDER}/Okta`, oktaProvider(idp.url, { name: 'Other' }));
      expect(response.status).toBe(400);
      expect(response.body.msg).toBe('name cannot be changed: the body says "Other" but the URL says "Okta" (delete the provider and create it again to rename it)');
    });

    it('saves Okta directory sync with a private JWK, masked on every read', async () => {
      const response = await api.put(
        `${PROVIDER}/Okta`,
        oktaProvider(idp.url, { client_secret: PLACEHOLDER, directory_sync_enabled: true, okta_dirsync_client_id: '0oa9dirsync', okta_private_jwk: JSON.stringify(keys.privateJwk), directory_sync_user_behavior: 'Disable' }),
      );
      expect(response.status).toBe(200);
      const { provider } = (await api.get(`${PROVIDER}/current`)).body;
      expect(provider).toMatchObject({ okta_private_jwk: PLACEHOLDER, okta_dirsync_client_id: '0oa9dirsync', directory_sync_enabled: true, directory_sync_user_behavior: 'disable' });
      const active = await providerService().getActiveProvider();
      expect(JSON.parse(active!.oktaPrivateJwk!)).toEqual(keys.privateJwk);
    });

    it('keeps the stored JWK when an update with sync on sends the masked value', async () => {
      const response = await api.put(
        `${PROVIDER}/Okta`,
        oktaProvider(idp.url, { client_secret: PLACEHOLDER, directory_sync_enabled: true, okta_dirsync_client_id: '0oa9dirsync', okta_private_jwk: PLACEHOLDER }),
      );
      expect(response.status).toBe(200);
      expect(JSON.parse((await providerService().getActiveProvider())!.oktaPrivateJwk!)).toEqual(keys.privateJwk);
    });

    it('gives core the masked provider and the button label over gRPC', async () => {
      const client = grpcClient('ProviderService', sut.grpcAddress, TEST_CORE_TOKEN);
      const response = await client.call('GetCurrentProvider');
      client.close();
      expect(response.button_display_name).toBe('Okta');
      expect(response.provider).toMatchObject({
        name: 'Okta',
        kind: 'Okta',
        base_url: idp.url,
        client_id: '0oa1signin2app3id',
        directory_sync_enabled: true,
        directory_sync_interval: 600,
        okta_dirsync_client_id: '0oa9dirsync',
        client_secret_set: true,
        okta_private_jwk_set: true,
        google_service_account_key_set: false,
        jumpcloud_api_key_set: false,
      });
      expect(response.settings).toEqual({ create_account: false, username_handling: 'RemoveForbidden' });
      expect(JSON.stringify(response)).not.toContain(secrets.newClientSecret);
    });

    it('answers UNAUTHENTICATED to GetCurrentProvider without the core token', async () => {
      const client = grpcClient('ProviderService', sut.grpcAddress, null);
      await expect(client.call('GetCurrentProvider')).rejects.toMatchObject({ code: GrpcStatus.UNAUTHENTICATED });
      client.close();
    });

    it('answers test_directory_sync through the Okta adapter: this discovery server is no Okta org, and it says so', async () => {
      expect((await api.get('/api/v1/test_directory_sync')).body).toEqual({
        success: false,
        message: expect.stringMatching(/^No Okta token endpoint at http:\/\/127\.0\.0\.1:\d+\/oauth2\/v1\/token \(HTTP 404\): check that the org URL is your Okta domain$/),
      });
    });

    it('reports a provider whose Okta key went missing instead of claiming success', async () => {
      const [row] = await sut.db.query<{ okta_private_jwk_encrypted: string }>('SELECT okta_private_jwk_encrypted FROM identity_providers');
      await sut.db.query('UPDATE identity_providers SET okta_private_jwk_encrypted = NULL');
      expect((await api.get('/api/v1/test_directory_sync')).body).toEqual({
        success: false,
        message: 'Okta provider is not configured correctly for Directory Sync. Okta private key or client id is missing.',
      });
      await sut.db.query('UPDATE identity_providers SET okta_private_jwk_encrypted = $1', [row.okta_private_jwk_encrypted]);
    });

    it('drops the other kind\'s secrets when POST switches the provider kind, and needs a new client secret', async () => {
      const masked = await api.post(PROVIDER, { ...oktaProvider(idp.url, { name: 'Custom', kind: 'Custom', client_secret: PLACEHOLDER }) });
      expect(masked.status).toBe(400);
      expect(masked.body.msg).toBe("client_secret is required: paste the client secret of the provider's app integration");
      const response = await api.post(PROVIDER, oktaProvider(idp.url, { name: 'Custom', kind: 'Custom', client_secret: 'custom-secret-VALUE-55' }));
      expect(response.status).toBe(201);
      const rows = await sut.db.query<Record<string, unknown>>('SELECT name, kind, okta_private_jwk_encrypted, okta_dirsync_client_id FROM identity_providers');
      expect(rows).toEqual([{ name: 'Custom', kind: 'Custom', okta_private_jwk_encrypted: null, okta_dirsync_client_id: null }]);
    });

    it('says a Custom provider is not supported for directory sync', async () => {
      expect((await api.get('/api/v1/test_directory_sync')).body).toEqual({ success: false, message: 'The selected provider Custom is not supported for directory sync' });
    });

    it('deletes the provider and its secrets, and records it', async () => {
      const response = await api.delete(`${PROVIDER}/Custom`);
      expect(response.status).toBe(200);
      expect(response.text).toBe('');
      expect(await sut.db.query('SELECT id FROM identity_providers')).toEqual([]);
      expect((await api.get(`${PROVIDER}/current`)).status).toBe(204);
      const [audit] = await sut.db.query<{ action: string; changed_fields: string[] }>("SELECT action, changed_fields FROM audit_events ORDER BY id DESC LIMIT 1");
      expect(audit).toEqual({ action: 'identity_provider.deleted', changed_fields: ['client_secret'] });
      expect(await providerService().getActiveProvider()).toBeNull();
    });
  });

  describe('one provider at a time', () => {
    it('leaves exactly one provider after concurrent upserts', async () => {
      const names = ['Okta', 'Okta-2', 'Okta-3', 'Okta-4', 'Okta-5'];
      const responses = await Promise.all(names.map((name) => api.post(PROVIDER, oktaProvider(idp.url, { name }))));
      expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
      const rows = await sut.db.query<{ name: string }>('SELECT name FROM identity_providers');
      expect(rows).toHaveLength(1);
      expect(names).toContain(rows[0].name);
    });

    it('refuses a second row in the database itself', async () => {
      await expect(
        sut.db.query("INSERT INTO identity_providers (name, kind, base_url, client_id, client_secret_encrypted) VALUES ('Second', 'Custom', 'https://x.example', 'c', 'v1:x')"),
      ).rejects.toThrow(/identity_providers_single_active/);
    });
  });

  describe('change notification', () => {
    it('tells listeners about its own changes and invalidates the discovery cache', async () => {
      const discovery = sut.app.get(DiscoveryService);
      await discovery.discover(idp.url);
      const before = idp.requests.length;
      await discovery.discover(idp.url);
      expect(idp.requests.length).toBe(before);

      const changes: ProviderChange[] = [];
      const unsubscribe = providerService().onChange((change) => changes.push(change));
      const [{ name }] = await sut.db.query<{ name: string }>('SELECT name FROM identity_providers');
      expect((await api.put(`${PROVIDER}/${name}`, oktaProvider(idp.url, { name, client_secret: '' }))).status).toBe(200);
      unsubscribe();
      expect(changes).toEqual([{ version: expect.any(Number), reason: 'saved' }]);
      const afterSave = idp.requests.length;
      await discovery.discover(idp.url);
      expect(idp.requests.length).toBe(afterSave + 1);
    });

    it("notices another replica's change on the next read", async () => {
      await providerService().getActiveProvider();
      const replica = await startTestApp({ db: sut.db, env: { SECRET_KEY: sut.config.secretKey.toString('base64') } });
      try {
        const changes: ProviderChange[] = [];
        providerService().onChange((change) => changes.push(change));
        const [{ name }] = await sut.db.query<{ name: string }>('SELECT name FROM identity_providers');
        await request(replica.httpUrl).put(`${PROVIDER}/${name}`).set('Authorization', replica.adminAuth).send(oktaProvider(idp.url, { name, client_secret: '', display_name: 'From the replica' })).expect(200);
        const active = await providerService().getActiveProvider();
        expect(active?.displayName).toBe('From the replica');
        expect(changes.map((c) => c.reason)).toEqual(['external']);
      } finally {
        await replica.stop();
      }
    });

    it("serves the settings from cache until any replica changes them", async () => {
      const before = await providerService().getSettings();
      expect(await providerService().getSettings()).toEqual(before);
      const replica = await startTestApp({ db: sut.db, env: { SECRET_KEY: sut.config.secretKey.toString('base64') } });
      try {
        const [{ name }] = await sut.db.query<{ name: string }>('SELECT name FROM identity_providers');
        const changed = before.usernameHandling === 'PruneEmailDomain' ? 'ReplaceForbidden' : 'PruneEmailDomain';
        await request(replica.httpUrl)
          .put(`${PROVIDER}/${name}`)
          .set('Authorization', replica.adminAuth)
          .send(oktaProvider(idp.url, { name, client_secret: '', create_account: !before.createAccount, username_handling: changed }))
          .expect(200);
        expect(await providerService().getSettings()).toEqual({ createAccount: !before.createAccount, usernameHandling: changed });
      } finally {
        await replica.stop();
      }
    });
  });

  describe('secrets never leak', () => {
    it('logs the saves (so the capture works) but no secret value', async () => {
      expect(logs.text).toContain('identity provider saved');
      for (const value of Object.values(secrets)) expect(logs.text).not.toContain(value);
    });

    it('never returns a secret value in any response body', () => {
      expect(api.bodies.length).toBeGreaterThan(20);
      for (const value of Object.values(secrets)) {
        for (const body of api.bodies) expect(body).not.toContain(value);
      }
    });
  });
});
