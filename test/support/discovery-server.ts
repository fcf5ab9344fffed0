import http from 'node:http';
import type { AddressInfo } from 'node:net';

const WELL_KNOWN = '/.well-known/openid-configuration';

/** How the server answers the next discovery requests. */
export type DiscoveryBehaviour =
  /** A valid document for the issuer the request implies (`<origin><prefix>`), with optional changes. */
  | { mode: 'document'; issuer?: string; set?: Record<string, unknown>; omit?: string[] }
  /** Redirects every discovery request, except that a same-origin target path is served a document (unless `loop`). */
  | { mode: 'redirect'; location: string; issuer?: string; loop?: boolean }
  | { mode: 'slow'; delayMs: number }
  | { mode: 'status'; status: number }
  | { mode: 'not-json' };

export interface DiscoveryServer {
  /** http://127.0.0.1:<port>: a base_url whose issuer is exactly this (no trailing slash). */
  url: string;
  /** Discovery requests received, by path. */
  requests: string[];
  answer(behaviour: DiscoveryBehaviour): void;
  close(): Promise<void>;
}

/**
 * A tiny OpenID Provider configuration endpoint on loopback: serves
 * `<prefix>/.well-known/openid-configuration` for any prefix, and can misbehave on request
 * (another issuer, a redirect, a slow answer, a missing endpoint, an error status).
 */
export async function startDiscoveryServer(): Promise<DiscoveryServer> {
  let behaviour: DiscoveryBehaviour = { mode: 'document' };
  const requests: string[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (!path.endsWith(WELL_KNOWN)) {
      res.writeHead(404).end();
      return;
    }
    requests.push(path);
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    let current = behaviour;
    if (current.mode === 'redirect' && !current.loop && new URL(current.location, origin).origin === origin && new URL(current.location, origin).pathname === path) {
      current = { mode: 'document', issuer: current.issuer };
    }
    switch (current.mode) {
      case 'redirect':
        res.writeHead(302, { location: current.location }).end();
        return;
      case 'status':
        res.writeHead(current.status, { 'content-type': 'application/json' }).end('{"error":"nope"}');
        return;
      case 'not-json':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Sign in</html>');
        return;
      case 'slow': {
        const timer = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), current.delayMs);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case 'document': {
        const issuer = current.issuer ?? `${origin}${path.slice(0, -WELL_KNOWN.length)}`;
        const document: Record<string, unknown> = {
          issuer,
          authorization_endpoint: `${origin}/oauth2/v1/authorize`,
          token_endpoint: `${origin}/oauth2/v1/token`,
          jwks_uri: `${origin}/oauth2/v1/keys`,
          userinfo_endpoint: `${origin}/oauth2/v1/userinfo`,
          response_types_supported: ['code', 'id_token', 'code id_token'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          ...current.set,
        };
        for (const key of current.omit ?? []) delete document[key];
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document));
        return;
      }
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer: (next) => {
      behaviour = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
