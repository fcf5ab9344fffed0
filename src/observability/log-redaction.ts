/** Field names whose values are never written to a log line, at any of the depths pino checks. */
export const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'client_secret',
  'clientSecret',
  'okta_private_jwk',
  'oktaPrivateJwk',
  'google_service_account_key',
  'googleServiceAccountKey',
  'jumpcloud_api_key',
  'jumpcloudApiKey',
  'access_token',
  'accessToken',
  'id_token',
  'idToken',
  'refresh_token',
  'client_assertion',
  'code_verifier',
  'token',
  'secret',
  'private_key',
  'privateKey',
];

/** pino `redact` paths: the field itself and the same field up to three levels deep. */
export function redactPaths(): string[] {
  return SECRET_FIELDS.flatMap((field) => {
    const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`;
    const join = (prefix: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`);
    return [key.startsWith('[') ? key.slice(2, -2) : key, join('*'), join('*.*'), join('*.*.*')];
  }).concat(['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]']);
}

const SENSITIVE_QUERY = /([?&](?:code|state|token|result|session_state|id_token_hint)=)[^&#]*/gi;

/** Browser callbacks carry authorization codes and one-time handles in the query string. */
export function redactUrl(url: string): string {
  return url.replace(SENSITIVE_QUERY, '$1[Redacted]');
}
