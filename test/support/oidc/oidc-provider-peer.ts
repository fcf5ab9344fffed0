// The real OpenID Provider peer (oidc-provider 9 in a child process, see op-server.mjs) and a
// headless "browser" that signs a user in through its devInteractions pages.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post';

export interface OpClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  token_endpoint_auth_method?: TokenEndpointAuthMethod;
}

export interface OpAccountClaims {
  email?: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
  name?: string;
  preferred_username?: string;
  phone_number?: string;
}

export interface OpServerConfig {
  clients: OpClient[];
  /** sub -> claims. Leave names or email out to test the userinfo fallback and "missing email". */
  accounts: Record<string, OpAccountClaims>;
  /** Default true. false: the ID token carries only sub (+ email, see emailInIdToken); userinfo the rest. */
  claimsInIdToken?: boolean;
  /** Default true. Only matters with claimsInIdToken false: keep email/email_verified in the ID token. */
  emailInIdToken?: boolean;
  signingAlg?: 'RS256' | 'ES256';
  /** Default true: drop oidc-provider's dev warnings. OIDC_PEER_DEBUG=1 forwards the child's stderr. */
  quiet?: boolean;
}

export interface RotateKeysResult {
  kid: string;
  previousKid: string;
  jwksKids: string[];
}

export interface OidcProviderPeer {
  issuer: string;
  adminUrl: string;
  /** Swap the signing key for a new kid. keepPrevious: keep publishing the old key in the JWKS. */
  rotateKeys(options?: { keepPrevious?: boolean }): Promise<RotateKeysResult>;
  /** Create or replace an account's claims (takes effect on the next token / userinfo). */
  setAccountClaims(sub: string, claims: OpAccountClaims): Promise<void>;
  deleteAccount(sub: string): Promise<void>;
  /** The child's stderr so far (bounded): put it in assertion messages when something is odd. */
  stderr(): string;
  stop(): Promise<void>;
}

const OP_SERVER = join(__dirname, 'op-server.mjs');
const STDERR_LIMIT = 64 * 1024;

export async function startOidcProvider(
  config: OpServerConfig,
  options: { startTimeoutMs?: number } = {},
): Promise<OidcProviderPeer> {
  const { startTimeoutMs = 10_000 } = options;
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [OP_SERVER], {
    env: { ...process.env, OP_CONFIG: JSON.stringify(config), OP_EXIT_ON_STDIN_END: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_LIMIT);
    if (process.env.OIDC_PEER_DEBUG === '1') process.stderr.write(`[op-server] ${chunk}`);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const ready = await new Promise<{ issuer: string; adminUrl: string }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const onError = (err: Error) => fail(`could not be spawned (${err.message})`);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      // Let the last stderr chunk arrive before quoting it.
      setImmediate(() => fail(`exited before it was ready (code ${code}, signal ${signal})`));
    const settle = () => {
      clearTimeout(timer);
      child.off('error', onError);
      child.off('exit', onExit);
    };
    const fail = (why: string) => {
      settle();
      lines.close();
      child.kill('SIGKILL');
      reject(new Error(`op-server.mjs ${why}; its stderr:\n${stderr || '(empty)'}`));
    };
    const timer = setTimeout(() => fail(`did not print its ready line within ${startTimeoutMs} ms`), startTimeoutMs);
    child.once('error', onError);
    child.once('exit', onExit);
    lines.once('line', (line) => {
      settle();
      try {
        resolve(JSON.parse(line) as { issuer: string; adminUrl: string });
      } catch {
        fail(`printed an unexpected line: ${line}`);
      }
    });
  });

  const admin = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const res = await fetch(`${ready.adminUrl}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`op-server admin ${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };

  let stopped: Promise<void> | undefined;
  return {
    issuer: ready.issuer,
    adminUrl: ready.adminUrl,
    rotateKeys: async (rotate = {}) => (await admin('POST', '/__admin/rotate-keys', rotate)).json() as Promise<RotateKeysResult>,
    setAccountClaims: async (sub, claims) => {
      await admin('PUT', `/__admin/accounts/${encodeURIComponent(sub)}`, claims);
    },
    deleteAccount: async (sub) => {
      await admin('DELETE', `/__admin/accounts/${encodeURIComponent(sub)}`);
    },
    stderr: () => stderr,
    stop: () => {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(killer);
        }
      })();
      return stopped;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Headless browser for oidc-provider's devInteractions.

type FetchImpl = typeof fetch;

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

/** A minimal cookie jar: one loopback host, so only name and path matter (RFC 6265 5.1.4 path-match). */
export class CookieJar {
  private readonly cookies = new Map<string, StoredCookie>();

  store(response: Response, requestUrl: URL): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = requestUrl.pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key, val = ''] = attribute.split('=').map((s) => s.trim());
        const lower = key.toLowerCase();
        if (lower === 'path' && val.startsWith('/')) path = val;
        if (lower === 'max-age' && Number(val) <= 0) expired = true;
        if (lower === 'expires' && Date.parse(val) <= Date.now()) expired = true;
      }
      const key = `${name};${path}`;
      if (expired) this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path });
    }
  }

  header(url: URL): string | undefined {
    const matching = [...this.cookies.values()]
      .filter(({ path }) => url.pathname === path || url.pathname.startsWith(path.endsWith('/') ? path : `${path}/`))
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length ? matching.map(({ name, value }) => `${name}=${value}`).join('; ') : undefined;
  }
}

export interface BrowserLoginOptions {
  /** The account (sub) to sign in as. */
  login: string;
  /** Default true: approve the consent prompt. false: deny it (the OP answers error=access_denied). */
  consent?: boolean;
  fetchImpl?: FetchImpl;
  /** Safety net against redirect loops. Default 20. */
  maxSteps?: number;
}

type Step =
  | { kind: 'login' }
  | { kind: 'consent' }
  | { kind: 'abort' };

/**
 * Plays the user's browser through the authorization request: follows redirects by hand with a
 * cookie jar, answers the login and consent pages, and returns the final redirect to the client's
 * redirect_uri (code, state, iss; or error) WITHOUT requesting it: the caller decides where it goes.
 */
export async function browserLogin(authorizationUrl: string | URL, options: BrowserLoginOptions): Promise<URL> {
  const { login, consent = true } = options;
  return browse(authorizationUrl, options, (prompt) => {
    if (prompt === 'login') return { kind: 'login' };
    if (prompt === 'consent') return consent ? { kind: 'consent' } : { kind: 'abort' };
    throw new Error(`browserLogin(${login}): unexpected interaction prompt "${prompt}"`);
  });
}

/**
 * The user cancels at the first interaction page: oidc-provider's abort endpoint finishes the
 * interaction with an error, so the OP redirects back with error=access_denied (+ state, iss).
 */
export async function browserLoginError(
  authorizationUrl: string | URL,
  error: 'access_denied' = 'access_denied',
  options: { fetchImpl?: FetchImpl; maxSteps?: number } = {},
): Promise<URL> {
  if (error !== 'access_denied') throw new Error(`browserLoginError: only access_denied is supported, got ${error}`);
  return browse(authorizationUrl, options, () => ({ kind: 'abort' }));
}

async function browse(
  authorizationUrl: string | URL,
  options: { login?: string; fetchImpl?: FetchImpl; maxSteps?: number },
  decide: (prompt: string) => Step,
): Promise<URL> {
  const { fetchImpl = fetch, maxSteps = 20 } = options;
  const start = new URL(authorizationUrl);
  const redirectUri = start.searchParams.get('redirect_uri');
  if (!redirectUri) throw new Error('browserLogin: the authorization URL has no redirect_uri');
  const target = new URL(redirectUri);
  const isClientRedirect = (url: URL) => url.origin === target.origin && url.pathname === target.pathname;

  const jar = new CookieJar();
  const request = async (url: URL, init: RequestInit = {}): Promise<Response> => {
    const cookie = jar.header(url);
    const headers = new Headers(init.headers);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetchImpl(url, { ...init, headers, redirect: 'manual' });
    jar.store(res, url);
    return res;
  };

  let next: { url: URL; init?: RequestInit } = { url: start };
  for (let step = 0; step < maxSteps; step += 1) {
    const res = await request(next.url, next.init);
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      const location = res.headers.get('location');
      if (!location) throw new Error(`browserLogin: ${res.status} from ${next.url} without a Location`);
      const url = new URL(location, next.url);
      if (isClientRedirect(url)) return url;
      next = { url };
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) {
      throw new Error(`browserLogin: ${res.status} from ${next.url.pathname}: ${html.slice(0, 500)}`);
    }
    const prompt = html.match(/name="prompt" value="([^"]+)"/)?.[1];
    const action = html.match(/<form[^>]*action="([^"]+)"[^>]*method="post"/)?.[1];
    if (!prompt || !action) throw new Error(`browserLogin: no interaction form at ${next.url.pathname}: ${html.slice(0, 500)}`);
    const decision = decide(prompt);
    if (decision.kind === 'abort') {
      // devInteractions: GET /interaction/:uid/abort (lib/shared/initialize_app.js).
      next = { url: new URL(`${next.url.pathname.replace(/\/$/, '')}/abort`, next.url) };
      continue;
    }
    const form = new URLSearchParams({ prompt: decision.kind });
    if (decision.kind === 'login') {
      if (!options.login) throw new Error('browserLogin: the OP asks for a login but none was given');
      form.set('login', options.login);
      form.set('password', 'any-password');
    }
    next = {
      url: new URL(action.replace(/&amp;/g, '&'), next.url),
      init: { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    };
  }
  throw new Error(`browserLogin: no redirect to ${redirectUri} after ${maxSteps} steps`);
}
