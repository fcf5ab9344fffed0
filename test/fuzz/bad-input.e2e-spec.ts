import path from 'node:path';
import fc from 'fast-check';
import { Client } from 'pg';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { IDENTITY_PROTO_FILES, PROTO_LOADER_OPTIONS, PROTO_ROOT } from '../../src/grpc/proto-files';
import { startTestApp, TestApp, TEST_CORE_TOKEN } from '../support/app';
import { badJson, badString } from './arbitraries';
import { requestArbitrary } from './grpc-requests';

/**
 * Every REST endpoint (from the OpenAPI document) and every gRPC method (from the contract) gets
 * generated bad input. The answer must be a 4xx with a message, or a gRPC status other than
 * UNKNOWN/INTERNAL with a message; and when the answer is an error, no table changed. Endpoints
 * appear here as modules land, without editing this file.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const SKIPPED_ROUTES = new Set(['/api/docs', '/api/docs-json', '/api/docs-yaml', '/health', '/metrics']);
/** Public browser endpoints are not in the OpenAPI document (they answer redirects, not JSON APIs). */
const BROWSER_ROUTES = ['/auth/login', '/auth/callback', '/openid/login', '/openid/callback', '/openid/mfa/login', '/openid/mfa/callback'].map((path) => ({ method: 'GET', path }));
/** Tables a refused call may still write by design (say why next to each entry). */
const WRITES_ALLOWED_ON_ERROR: Record<string, string[]> = {};

const definition = protoLoader.loadSync(IDENTITY_PROTO_FILES.map((file) => path.join(PROTO_ROOT, file)), PROTO_LOADER_OPTIONS) as any;
const packageObject = (grpc.loadPackageDefinition(definition) as any).defguard.identity.v1;
const grpcMethods = Object.entries(definition)
  .filter(([, value]) => typeof value === 'object' && value !== null && !('format' in (value as object)) && !('type' in (value as object)))
  .flatMap(([serviceName, methods]) => Object.entries(methods as Record<string, any>).map(([method, descriptor]) => ({ service: serviceName.split('.').pop()!, method, descriptor })));

let sut: TestApp;
/** One connection for the many fingerprints (a connection per query would dominate the run time). */
let inspector: Client;
const tried = { rest: 0, grpc: 0 };

async function fingerprint(excluded: string[] = []): Promise<Record<string, string>> {
  const { rows: tables } = await inspector.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY tablename");
  const included = tables.map((t) => t.tablename).filter((t) => !excluded.includes(t));
  if (included.length === 0) return {};
  const sql = included.map((t) => `SELECT '${t}' AS t, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM "${t}" x`).join(' UNION ALL ');
  const { rows } = await inspector.query<{ t: string; h: string }>(sql);
  return Object.fromEntries(rows.map((r) => [r.t, r.h]));
}

beforeAll(async () => {
  sut = await startTestApp();
  inspector = new Client({ connectionString: sut.db.url });
  await inspector.connect();
}, 60_000);

afterAll(async () => {
  await inspector?.end();
  await sut?.stop();
  // The number of inputs tried is part of the evidence (issue 8: "Report how many inputs were tried").
  console.log(`bad-input fuzzing: ${tried.rest} REST requests, ${tried.grpc} gRPC calls, ${RUNS} per endpoint`);
});

describe('REST endpoints under generated bad input', () => {
  let routes: { method: string; path: string }[] = [];

  beforeAll(async () => {
    const document = (await (await fetch(`${sut.httpUrl}/api/docs-json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(document.paths)
      .filter(([route]) => !SKIPPED_ROUTES.has(route))
      .flatMap(([route, operations]) => Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path: route })))
      .concat(BROWSER_ROUTES);
  });

  it('knows the routes it fuzzes', () => {
    expect(routes.length).toBeGreaterThan(0);
  });

  it('answers every REST endpoint with a 4xx and a message (never a 5xx), writing nothing when it refuses', async () => {
    const pathParam = badString.filter((s) => s.length < 2000 && s.length > 0);
    for (const route of routes) {
      const withBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
      await fc.assert(
        fc.asyncProperty(fc.record({ params: fc.array(pathParam, { minLength: 4, maxLength: 4 }), query: fc.dictionary(fc.constantFrom('page', 'page_size', 'page_token', 'is_active', 'source', 'limit', 'code', 'state', 'error', 'error_description', 'token', 'iss', 'x'), badString.filter((s) => s.length < 2000)), body: badJson }), async ({ params, query, body }) => {
          let index = 0;
          const url = new URL(sut.httpUrl + route.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(params[index++])));
          for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
          const before = await fingerprint();
          const response = await fetch(url, {
            method: route.method,
            headers: { authorization: sut.adminAuth, 'content-type': 'application/json', accept: 'application/json' },
            body: withBody ? JSON.stringify(body) : undefined,
            redirect: 'manual',
          });
          tried.rest++;
          const text = await response.text();
          const context = `${route.method} ${url.pathname}${url.search.slice(0, 200)} -> ${response.status} ${text.slice(0, 300)}`;
          if (response.status >= 500) throw new Error(`server error: ${context}`);
          if (response.status >= 400) {
            let msg: unknown;
            try {
              msg = JSON.parse(text).msg;
            } catch {
              /* not JSON */
            }
            if (typeof msg !== 'string' || msg.length === 0) throw new Error(`error without a message: ${context}`);
            expect(await fingerprint()).toEqual(before);
          }
        }),
        { numRuns: RUNS },
      );
    }
  }, 300_000);
});

describe('gRPC methods under generated bad input', () => {
  it('knows the methods it fuzzes', () => {
    expect(grpcMethods.map((m) => `${m.service}.${m.method}`)).toEqual(expect.arrayContaining(['UserService.GetUser', 'AuthService.HandleCallback', 'DirectorySyncService.RunSync']));
  });

  it('answers every gRPC method with a precise status and a message (never UNKNOWN or INTERNAL), writing nothing when it refuses', async () => {
    for (const { service, method, descriptor } of grpcMethods) {
      const started = Date.now();
      const client = new packageObject[service](sut.grpcAddress, grpc.credentials.createInsecure());
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${TEST_CORE_TOKEN}`);
      try {
        await fc.assert(
          fc.asyncProperty(requestArbitrary(definition, descriptor.requestType.type), async (request) => {
            const excluded = WRITES_ALLOWED_ON_ERROR[`${service}.${method}`] ?? [];
            const before = await fingerprint(excluded);
            const error = await callOnce(client, method, descriptor.responseStream, request, metadata);
            tried.grpc++;
            if (!error) return;
            const context = `${service}.${method}(${JSON.stringify(request).slice(0, 300)}) -> ${grpc.status[error.code]} ${error.details}`;
            if (error.code === grpc.status.UNKNOWN || error.code === grpc.status.INTERNAL) throw new Error(`imprecise status: ${context}`);
            // A call that hangs until the client gives up is a defect (a lock wait, a lost promise).
            if (error.code === grpc.status.DEADLINE_EXCEEDED) throw new Error(`no answer within the deadline: ${context}`);
            if (!error.details) throw new Error(`status without a message: ${context}`);
            expect(await fingerprint(excluded)).toEqual(before);
          }),
          { numRuns: RUNS },
        );
      } finally {
        client.close();
        if (process.env.FUZZ_TIMING) console.log(`${service}.${method}: ${Date.now() - started} ms`);
      }
    }
  }, 300_000);
});

function callOnce(client: any, method: string, streaming: boolean, request: object, metadata: grpc.Metadata): Promise<grpc.ServiceError | null> {
  return new Promise((resolve) => {
    if (!streaming) {
      client[method](request, metadata, { deadline: Date.now() + 5_000 }, (error: grpc.ServiceError | null) => resolve(error));
      return;
    }
    // A stream that is accepted stays open (live follow): the first message or a short quiet
    // period means it was accepted; cancel it then.
    const call = client[method](request, metadata);
    const timer = setTimeout(() => call.cancel(), 300);
    call.on('data', () => call.cancel());
    call.on('error', (error: grpc.ServiceError) => {
      clearTimeout(timer);
      resolve(error.code === grpc.status.CANCELLED ? null : error);
    });
    call.on('end', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}
