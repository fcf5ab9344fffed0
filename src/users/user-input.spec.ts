import { normalizeEmail, optionalSource } from './user-input';

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

describe('optionalSource', () => {
  it('treats unset and UNSPECIFIED as no filter and refuses unknown sources', () => {
    expect(optionalSource(undefined)).toBeUndefined();
    expect(optionalSource('USER_SOURCE_UNSPECIFIED')).toBeUndefined();
    expect(optionalSource('OIDC')).toBe('OIDC');
    expect(() => optionalSource('LDAP')).toThrow('source must be one of LOCAL, OIDC, DIRECTORY');
  });
});
