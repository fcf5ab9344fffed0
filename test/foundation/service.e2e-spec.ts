import request from 'supertest';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { Client } from 'pg';
import { grpcClient } from '../support/grpc-client';
import { startTestApp, TestApp, TEST_CORE_TOKEN } from '../support/app';

describe('the service process (REST + gRPC on a real PostgreSQL)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp();
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('applies every migration on an empty database at start-up', async () => {
    const applied = await sut.db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY id');
    const { MIGRATIONS } = await import('../../src/database/migrations');
    expect(applied.map((row) => row.name)).toEqual(MIGRATIONS.map((m) => m.name));
  });

  it('reports healthy while the database answers', async () => {
    const response = await request(sut.httpUrl).get('/health').expect(200);
    expect(response.body.details.database.status).toBe('up');
  });

  it('serves the OpenAPI document at /api/docs', async () => {
    await request(sut.httpUrl).get('/api/docs').expect(200);
    const document = await request(sut.httpUrl).get('/api/docs-json').expect(200);
    expect(document.body.paths['/api/v1/info']).toBeDefined();
    expect(document.body.components.securitySchemes.bearer).toBeDefined();
  });

  describe('admin REST guard', () => {
    it('answers 401 in Defguard\'s error format without a token', async () => {
      const response = await request(sut.httpUrl).get('/api/v1/info').expect(401);
      expect(response.body).toEqual({ msg: 'This endpoint needs "Authorization: Bearer <ADMIN_TOKEN>"', code: 'unauthenticated' });
    });

    it.each([['a wrong token', 'Bearer wrong-token-0123456789'], ['the core token', `Bearer ${TEST_CORE_TOKEN}`], ['another scheme', 'Basic YWRtaW46cGFzcw==']])('answers 401 with %s', async (_name, header) => {
      await request(sut.httpUrl).get('/api/v1/info').set('Authorization', header).expect(401);
    });

    it('lets the admin token through', async () => {
      const response = await request(sut.httpUrl).get('/api/v1/info').set('Authorization', sut.adminAuth).expect(200);
      expect(response.body).toMatchObject({ name: 'defguard-identity', defguard_url: 'http://127.0.0.1:8000' });
    });

    it('answers unknown routes with 404 in the same format', async () => {
      const response = await request(sut.httpUrl).get('/api/v1/nothing-here').set('Authorization', sut.adminAuth).expect(404);
      expect(response.body.msg).toBe('Cannot GET /api/v1/nothing-here');
    });
  });

  describe('gRPC', () => {
    it('answers UNAUTHENTICATED without the core token', async () => {
      const client = grpcClient('DirectorySyncService', sut.grpcAddress, null);
      await expect(client.call('ListSyncRuns')).rejects.toMatchObject({ code: GrpcStatus.UNAUTHENTICATED });
      client.close();
    });

    it('answers UNAUTHENTICATED with the admin token instead of the core token', async () => {
      const client = grpcClient('DirectorySyncService', sut.grpcAddress, sut.config.adminToken);
      await expect(client.call('ListSyncRuns')).rejects.toMatchObject({ code: GrpcStatus.UNAUTHENTICATED, details: expect.stringContaining('CORE_GRPC_TOKEN') });
      client.close();
    });

    it('answers a huge bad input with a capped message and keeps the connection usable', async () => {
      const client = grpcClient('UserService', sut.grpcAddress, TEST_CORE_TOKEN);
      try {
        const error = await client.call('GetUser', { id: 'x'.repeat(200_000) }).catch((e) => e);
        expect(error).toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT });
        expect(error.details.length).toBeLessThanOrEqual(512);
        // The same HTTP/2 connection still works (an oversized trailer used to break it for every call).
        await expect(client.call('GetUser', { id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: GrpcStatus.NOT_FOUND });
      } finally {
        client.close();
      }
    });

    it('lists every contract service through server reflection', async () => {
      const { ReflectionClient } = await import('./reflection-client');
      const services = await new ReflectionClient(sut.grpcAddress).listServices();
      for (const service of ['UserService', 'AuthService', 'MfaService', 'DirectorySyncService', 'ProviderService']) {
        expect(services).toContain(`defguard.identity.v1.${service}`);
      }
    });
  });

  it('counts REST requests and gRPC calls in /metrics', async () => {
    const client = grpcClient('DirectorySyncService', sut.grpcAddress, null);
    await client.call('ListSyncRuns').catch(() => undefined);
    client.close();
    await request(sut.httpUrl).get('/api/v1/info').set('Authorization', sut.adminAuth).expect(200);
    await request(sut.httpUrl).get('/api/v1/info').expect(401);
    const metrics = (await request(sut.httpUrl).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/http_requests_total\{method="GET",route="\/api\/v1\/info",status="200"\} [1-9]/);
    expect(metrics).toMatch(/http_requests_total\{method="GET",route="\/api\/v1\/info",status="401"\} [1-9]/);
    expect(metrics).toMatch(/grpc_requests_total\{service="[A-Za-z]+",method="[A-Za-z_]+",code="UNAUTHENTICATED"\} [1-9]/);
    expect(metrics).toContain('http_request_duration_seconds_bucket');
    expect(metrics).toContain('grpc_request_duration_seconds_bucket');
  });

  it('closes its database pool on shutdown', async () => {
    const second = await startTestApp({ db: sut.db });
    const connections = async () => {
      const client = new Client({ connectionString: sut.db.url });
      await client.connect();
      const rows = (await client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")).rows;
      await client.end();
      return rows[0].n as number;
    };
    const before = await connections();
    await second.stop();
    expect(await connections()).toBeLessThan(before);
  });
});
