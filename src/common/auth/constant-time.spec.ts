import { constantTimeEquals, parseBearer } from './constant-time';

describe('constantTimeEquals', () => {
  it('accepts only the exact token', () => {
    expect(constantTimeEquals('s3cret-token-value', 's3cret-token-value')).toBe(true);
    expect(constantTimeEquals('s3cret-token-valuE', 's3cret-token-value')).toBe(false);
    expect(constantTimeEquals('s3cret-token-value-longer', 's3cret-token-value')).toBe(false);
    expect(constantTimeEquals('', 's3cret-token-value')).toBe(false);
  });
});

describe('parseBearer', () => {
  it('reads the token of a Bearer header, scheme in any case (RFC 6750 §2.1)', () => {
    expect(parseBearer('Bearer abc.DEF-123_~+/=')).toBe('abc.DEF-123_~+/=');
    expect(parseBearer('bearer abc')).toBe('abc');
  });

  it.each([undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer two tokens', 'Bearerabc', ['Bearer abc']])('refuses %p', (header) => {
    expect(parseBearer(header)).toBeUndefined();
  });
});
