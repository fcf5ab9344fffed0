import { randomBytes } from 'node:crypto';
import { InvalidConfigurationError, parseEnvironment } from './config.schema';

const valid = () => ({
  DATABASE_URL: 'postgres://u:p@db.internal:5432/identity',
  ADMIN_TOKEN: 'a'.repeat(24),
  CORE_GRPC_TOKEN: 'c'.repeat(24),
  SECRET_KEY: randomBytes(32).toString('base64'),
});

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    parseEnvironment(env);
  } catch (error) {
    if (error instanceof InvalidConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('parseEnvironment', () => {
  it('applies the documented defaults', () => {
    const sut = parseEnvironment(valid());
    expect(sut).toMatchObject({ changeFeedRetentionDays: 30, httpPort: 8080, grpcPort: 50055, bindAddress: '0.0.0.0', logLevel: 'info', allowHttpLoopbackProviders: false, defguardUrl: 'http://localhost:8000' });
    expect(sut.authResultUrl).toBe('http://localhost:8000/auth/result');
    expect(sut.secretKey).toHaveLength(32);
  });

  it('names each bad variable and what is wrong, one line each', () => {
    const problems = problemsOf({ ...valid(), HTTP_PORT: 'eighty', GRPC_PORT: '70000', LOG_LEVEL: 'loud', DEFGUARD_URL: 'defguard.example.net' });
    expect(problems).toEqual([
      'HTTP_PORT must be a port number between 0 and 65535 (got "eighty")',
      'GRPC_PORT must be a port number between 0 and 65535 (got "70000")',
      'DEFGUARD_URL must be an absolute URL such as https://defguard.example.net (got "defguard.example.net")',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ]);
  });

  it('requires the admin token, the core token and the secret key', () => {
    const problems = problemsOf({ DATABASE_URL: valid().DATABASE_URL });
    expect(problems.map((p) => p.split(' ')[0])).toEqual(['ADMIN_TOKEN', 'CORE_GRPC_TOKEN', 'SECRET_KEY']);
    expect(problems[0]).toMatch(/^ADMIN_TOKEN is required/);
  });

  it('never echoes a secret value in an error', () => {
    const problems = problemsOf({ ...valid(), ADMIN_TOKEN: 'short-secret', SECRET_KEY: 'not-base64-key-material' });
    expect(problems.join('\n')).not.toContain('short-secret');
    expect(problems.join('\n')).not.toContain('not-base64-key-material');
    expect(problems).toContain('ADMIN_TOKEN must be at least 16 characters long (value hidden)');
    expect(problems.find((p) => p.startsWith('SECRET_KEY'))).toMatch(/32 random bytes in base64/);
  });

  it('refuses a DATABASE_URL that is not a PostgreSQL URL', () => {
    expect(problemsOf({ ...valid(), DATABASE_URL: 'mysql://x@y/z' })).toEqual(['DATABASE_URL must start with postgres:// or postgresql:// (value hidden)']);
  });

  it('needs both TLS files or neither', () => {
    expect(problemsOf({ ...valid(), GRPC_TLS_CERT_FILE: '/tls/cert.pem' })).toEqual(['GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE must be set together']);
  });

  it('reads booleans and previous keys for rotation', () => {
    const old = randomBytes(32).toString('base64');
    const sut = parseEnvironment({ ...valid(), ALLOW_HTTP_LOOPBACK_PROVIDERS: 'yes', SECRET_KEYS_PREVIOUS: ` ${old} ,` });
    expect(sut.allowHttpLoopbackProviders).toBe(true);
    expect(sut.previousSecretKeys.map((k) => k.toString('base64'))).toEqual([old]);
    expect(problemsOf({ ...valid(), ALLOW_HTTP_LOOPBACK_PROVIDERS: 'maybe' })).toEqual(['ALLOW_HTTP_LOOPBACK_PROVIDERS must be true or false (got "maybe")']);
  });

  it('drops a trailing slash from URLs so redirect URIs are built without doubling it', () => {
    expect(parseEnvironment({ ...valid(), DEFGUARD_URL: 'https://vpn.example.net/' }).defguardUrl).toBe('https://vpn.example.net');
  });
});
