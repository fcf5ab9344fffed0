import { parseGroupMatch } from './group-match';

describe('parseGroupMatch', () => {
  it('splits a comma-separated string, trims items and drops empty ones', () => {
    expect(parseGroupMatch(' Engineering , VPN users,,  ,Ops')).toEqual(['Engineering', 'VPN users', 'Ops']);
  });

  it('accepts a list with the same cleaning', () => {
    expect(parseGroupMatch([' a ', '', 'b'])).toEqual(['a', 'b']);
  });

  it('reads null, absent and "" as no restriction', () => {
    expect(parseGroupMatch(null)).toEqual([]);
    expect(parseGroupMatch(undefined)).toEqual([]);
    expect(parseGroupMatch('')).toEqual([]);
  });

  it('drops duplicates', () => {
    expect(parseGroupMatch('a,b,a')).toEqual(['a', 'b']);
  });

  it.each([42, { a: 1 }, ['a', 3], true])('refuses %p', (value) => {
    expect(parseGroupMatch(value)).toBeUndefined();
  });
});
