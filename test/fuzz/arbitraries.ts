import fc from 'fast-check';

/** Strings that have broken identity services before: controls, bidi, homoglyphs, SQL/LIKE, paths. */
const TRICKY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u202eadmin',
  'ａｄｍｉｎ',
  'Admin@Example.COM',
  '%',
  '_',
  "' OR '1'='1",
  '"; DROP TABLE users; --',
  '../../etc/passwd',
  '😀'.repeat(40),
  'e\u0301',
  '-1',
  '0',
  'NaN',
  'null',
  'true',
  '{"a":1}',
  'http://127.0.0.1:1/',
  'javascript:alert(1)',
  '{"kty":"RSA","n":"x","e":"AQAB"}',
  '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----',
  '00000000-0000-0000-0000-000000000000',
];

export const hugeString = fc.integer({ min: 10_000, max: 200_000 }).map((n) => 'x'.repeat(n));

export const badString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY_STRINGS) },
  { weight: 3, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: hugeString },
);

export const badNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-1, 0, 1, 59, 2 ** 31 - 1, -(2 ** 31), Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e300, -0.5, 3.14),
  fc.integer(),
  fc.double({ noNaN: false }),
);

/** Any JSON value, biased towards wrong types for whatever field it lands in. */
export const badJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    badString,
    badNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(badString.filter((s) => s.length < 50), tie('value'), { maxKeys: 4 }),
  ),
})).value;
