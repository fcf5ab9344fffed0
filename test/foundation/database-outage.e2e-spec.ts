import request from 'supertest';
import { Client } from 'pg';
import { startTestApp, TestApp } from '../support/app';
import { ControllablePostgres, startControllablePostgres } from '../support/postgres-process';
import { TestDatabase } from '../support/database';

/** The service on a private PostgreSQL server that the test stops and starts again. */
describe('when PostgreSQL goes away', () => {
  let postgres: ControllablePostgres;
  let sut: TestApp;

  beforeAll(async () => {
    postgres = await startControllablePostgres();
    const db: TestDatabase = { url: postgres.url, name: 'postgres', query: async () => [], drop: async () => undefined };
    sut = await startTestApp({ db });
  }, 60_000);

  afterAll(async () => {
    await sut?.stop();
    await postgres?.destroy();
  });

  it('reports 503 from /health while the database is down and 200 again once it is back', async () => {
    await request(sut.httpUrl).get('/health').expect(200);
    await postgres.stop();
    const down = await request(sut.httpUrl).get('/health').expect(503);
    expect(down.body).toMatchObject({ status: 'error', code: 'unavailable', details: { database: { status: 'down' } } });
    await postgres.start();
    // The pool reconnects on its own: no restart of the service.
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 200; attempt++) {
      status = (await request(sut.httpUrl).get('/health')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(200);
  }, 60_000);

  it('keeps serving requests that do not need the database while it is down', async () => {
    await postgres.stop();
    try {
      await request(sut.httpUrl).get('/api/v1/info').set('Authorization', sut.adminAuth).expect(200);
    } finally {
      await postgres.start();
    }
    const client = new Client({ connectionString: postgres.url });
    await client.connect();
    await client.end();
  }, 60_000);
});
