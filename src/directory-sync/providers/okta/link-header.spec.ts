import { findNextLink, LinkHeaderError, parseLinkHeader } from './link-header';

const ORG = 'https://acme.okta.com';
const REQ = `${ORG}/api/v1/users?limit=200`;

describe('findNextLink', () => {
  it('finds the next link beside self on one header value', () => {
    const header = `<${ORG}/api/v1/users?limit=200>; rel="self", <${ORG}/api/v1/users?after=00u1&limit=200>; rel="next"`;
    expect(findNextLink(header, REQ)).toBe(`${ORG}/api/v1/users?after=00u1&limit=200`);
  });

  it('finds the next link across several header lines', () => {
    const lines = [`<${ORG}/api/v1/users?limit=200>; rel="self"`, `<${ORG}/api/v1/users?after=00u2&limit=200>; rel="next"`];
    expect(findNextLink(lines, REQ)).toBe(`${ORG}/api/v1/users?after=00u2&limit=200`);
  });

  it('returns null on the last page (self only) and without a header', () => {
    expect(findNextLink(`<${REQ}>; rel="self"`, REQ)).toBeNull();
    expect(findNextLink(null, REQ)).toBeNull();
    expect(findNextLink('', REQ)).toBeNull();
  });

  it('tells next from prev, in any order, with unquoted and upper-case rel values and extra params', () => {
    const header = `<${ORG}/a?after=1>; title="x, y; z"; rel=prev, <${ORG}/a?after=3>;REL="NEXT" ; type="application/json"`;
    expect(findNextLink(header, REQ)).toBe(`${ORG}/a?after=3`);
  });

  it('keeps a URL with commas and semicolons and a %22-encoded filter intact', () => {
    const next = `${ORG}/api/v1/users?filter=status%20eq%20%22DEPROVISIONED%22&after=00u,9;x&limit=200`;
    expect(findNextLink(`<${REQ}>; rel="self", <${next}>; rel="next"`, REQ)).toBe(next);
  });

  it('accepts a relation list that contains next (RFC 8288 §3.3)', () => {
    expect(findNextLink(`<${ORG}/a?after=5>; rel="last next"`, REQ)).toBe(`${ORG}/a?after=5`);
  });

  it('resolves a relative next link against the request URL', () => {
    expect(findNextLink('</api/v1/users?after=00u3>; rel="next"', REQ)).toBe(`${ORG}/api/v1/users?after=00u3`);
  });

  it('refuses a next link to another origin (the token would follow it)', () => {
    expect(() => findNextLink('<https://evil.example.com/api/v1/users?after=1>; rel="next"', REQ)).toThrow(
      'the rel="next" link points to another origin (https://evil.example.com, expected https://acme.okta.com)',
    );
    expect(() => findNextLink('<http://acme.okta.com/api/v1/users?after=1>; rel="next"', REQ)).toThrow(LinkHeaderError);
  });

  it('refuses two different next links', () => {
    expect(() => findNextLink([`<${ORG}/a?after=1>; rel="next"`, `<${ORG}/a?after=2>; rel="next"`], REQ)).toThrow(
      'more than one rel="next" link',
    );
  });

  it.each([
    ['no angle brackets', `${ORG}/a?after=1; rel="next"`],
    ['an unterminated target', `<${ORG}/a?after=1; rel="next"`],
    ['an unterminated quoted value', `<${ORG}/a>; rel="next`],
    ['garbage between links', `<${ORG}/a>; rel="self" junk <${ORG}/b>; rel="next"`],
    ['a target that is not a URL', '<http://[bad>; rel="next"'],
  ])('throws on %s instead of reading "no next page"', (_what, header) => {
    expect(() => findNextLink(header, REQ)).toThrow(LinkHeaderError);
  });
});

describe('parseLinkHeader', () => {
  it('returns every link with its relation types', () => {
    expect(parseLinkHeader(`<${ORG}/a>; rel="self", <${ORG}/b>; rel="next"`, REQ)).toEqual([
      { url: `${ORG}/a`, rels: ['self'] },
      { url: `${ORG}/b`, rels: ['next'] },
    ]);
  });
});
