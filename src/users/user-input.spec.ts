import { normalizeEmail, optionalSource, requireUuid } from './user-input';

describe('normalizeEmail', () => {
  it('keeps the address as given (case included), trimmed', () => {
    expect(normalizeEmail('  Ann.Lee+vpn@Example.COM ')).toBe('Ann.Lee+vpn@Example.COM');
  });

  it.each(['ann', '@example.com', 'ann@', 'ann@@example.com', 'an n@example.com', 'ann@.example.com', 'ann@example..com', 'ann@example.com.'])('refuses %p', (email) => {
    expect(() => normalizeEmail(email)).toThrow(/email must be an address such as user@example.com/);
  });

  it('refuses an address longer than 254 characters (RFC 5321)', () => {
    expect(() => normalizeEmail(`${'a'.repeat(250)}@example.com`)).toThrow('email must be at most 254 characters long');
  });
});

describe('requireUuid', () => {
  it('lower-cases a UUID and names the field when refusing', () => {
    expect(requireUuid('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'id')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(() => requireUuid("1' OR '1'='1", 'user_id')).toThrow(`user_id must be a UUID (got "1' OR '1'='1")`);
  });
});

describe('optionalSource', () => {
  it('treats unset and UNSPECIFIED as no filter and refuses unknown sources', () => {
    expect(optionalSource(undefined)).toBeUndefined();
    expect(optionalSource('USER_SOURCE_UNSPECIFIED')).toBeUndefined();
    expect(optionalSource('OIDC')).toBe('OIDC');
    expect(() => optionalSource('LDAP')).toThrow('source must be one of LOCAL, OIDC, DIRECTORY');
  });
});
