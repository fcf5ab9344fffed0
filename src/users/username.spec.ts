import { ValidationError } from '../common/errors';
import { cleanUsername, usernameProblem, validateUsername } from './username';

describe('cleanUsername (Defguard test_prune_username reference cases)', () => {
  it.each([
    ['zenek@34', 'zenek34'],
    ['__zenek__', 'zenek__'],
    ['zenek?', 'zenek'],
    ['!@#$%^&*()', ''],
    ['...zenek', 'zenek'],
  ])('RemoveForbidden: %p -> %p', (raw, expected) => {
    expect(cleanUsername(raw, 'RemoveForbidden')).toBe(expected);
  });

  it('RemoveForbidden truncates an 80-character name to its first 64 characters', () => {
    const raw = 'a'.repeat(40) + 'b'.repeat(40);
    expect(cleanUsername(raw, 'RemoveForbidden')).toBe(raw.slice(0, 64));
  });

  it.each([
    ['zenek@34', 'zenek_34'],
    ['zenek!', 'zenek_'],
    ['__zenek__', 'zenek__'],
  ])('ReplaceForbidden: %p -> %p', (raw, expected) => {
    expect(cleanUsername(raw, 'ReplaceForbidden')).toBe(expected);
  });

  it.each([
    ['zenek@example.com', 'zenek'],
    ['user.name@domain.org', 'user.name'],
    ['invalid!chars!@domain.com', 'invalid_chars_'],
    ['multiple@at@domain.com', 'multiple'],
  ])('PruneEmailDomain: %p -> %p', (raw, expected) => {
    expect(cleanUsername(raw, 'PruneEmailDomain')).toBe(expected);
  });

  it('strips leading characters before cutting at "@", as Defguard does', () => {
    expect(cleanUsername('@@zenek@example.com', 'PruneEmailDomain')).toBe('zenek');
  });

  it('replaces a non-BMP character with one "_" (code points, not UTF-16 units)', () => {
    expect(cleanUsername('ann😀x', 'ReplaceForbidden')).toBe('ann_x');
    expect(cleanUsername('żaneta', 'RemoveForbidden')).toBe('aneta');
  });

  it('produces a name that passes validation for any 64+ character input (the off-by-one Defguard has)', () => {
    const cleaned = cleanUsername('x'.repeat(200), 'ReplaceForbidden');
    expect(cleaned).toHaveLength(64);
    expect(usernameProblem(cleaned)).toBeNull();
  });
});

describe('validateUsername', () => {
  it.each(['a', 'A1', 'john.doe', 'john_doe-2', '9lives', 'x'.repeat(64)])('accepts %p', (name) => {
    expect(() => validateUsername(name)).not.toThrow();
  });

  it('refuses an empty name with the length rule', () => {
    expect(() => validateUsername('')).toThrow('username must be 1 to 64 characters long (got 0)');
  });

  it('refuses 65 characters with the length rule', () => {
    expect(() => validateUsername('x'.repeat(65))).toThrow('username must be 1 to 64 characters long (got 65)');
  });

  it.each(['_john', '.john', '-john'])('refuses %p because the first character must be alphanumeric', (name) => {
    expect(() => validateUsername(name)).toThrow('username must start with an ASCII letter or digit');
  });

  it.each([['jo hn', '" "'], ['jo@hn', '"@"'], ['jóhn', '"ó"']])('refuses %p naming the forbidden character', (name, shown) => {
    expect(() => validateUsername(name)).toThrow(`found ${shown}`);
  });

  it('throws a ValidationError (a 4xx, never a 500)', () => {
    expect(() => validateUsername('')).toThrow(ValidationError);
  });
});
