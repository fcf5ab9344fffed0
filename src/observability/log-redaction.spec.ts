import { Writable } from 'node:stream';
import pino from 'pino';
import { redactPaths, redactUrl } from './log-redaction';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: pino({ redact: { paths: redactPaths(), censor: '[Redacted]' } }, stream), lines };
}

describe('log redaction', () => {
  it('hides secret fields at the top level and nested up to three levels', () => {
    const { logger, lines } = capture();
    logger.info({ client_secret: 's1', provider: { okta_private_jwk: 's2', nested: { access_token: 's3', deeper: { password: 's4' } } } }, 'saved');
    const out = lines.join('');
    for (const secret of ['s1', 's2', 's3', 's4']) expect(out).not.toContain(`"${secret}"`);
    expect(out).toContain('[Redacted]');
  });

  it('hides the authorization header of a logged request', () => {
    const { logger, lines } = capture();
    logger.info({ req: { headers: { authorization: 'Bearer abcdefgh12345678', 'user-agent': 'curl' } } }, 'request');
    expect(lines.join('')).not.toContain('abcdefgh12345678');
    expect(lines.join('')).toContain('curl');
  });

  it('keeps harmless fields', () => {
    const { logger, lines } = capture();
    logger.info({ name: 'Okta', base_url: 'https://example.okta.com' }, 'saved');
    expect(lines.join('')).toContain('https://example.okta.com');
  });

  it('hides authorization codes and one-time handles in URLs', () => {
    expect(redactUrl('/auth/callback?code=abc123&state=xyz&iss=https%3A%2F%2Fop')).toBe('/auth/callback?code=[Redacted]&state=[Redacted]&iss=https%3A%2F%2Fop');
    expect(redactUrl('/openid/mfa/login?token=t0k')).toBe('/openid/mfa/login?token=[Redacted]');
    expect(redactUrl('/health')).toBe('/health');
  });
});
