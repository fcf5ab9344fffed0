import { decodePageToken, encodePageToken, pageSize } from './page-token';

describe('pageSize', () => {
  it('uses the default 100 for 0 or unset and clamps above 1000', () => {
    expect(pageSize(0)).toBe(100);
    expect(pageSize(undefined)).toBe(100);
    expect(pageSize(5000)).toBe(1000);
    expect(pageSize(7)).toBe(7);
  });

  it.each([-1, 1.5, 'ten'])('refuses %p', (value) => {
    expect(() => pageSize(value)).toThrow(/page_size must be a non-negative integer/);
  });
});

describe('page tokens', () => {
  it('round-trip the sort key, including non-ASCII group names', () => {
    expect(decodePageToken(encodePageToken('zażółć'))).toBe('zażółć');
    expect(decodePageToken('')).toBeUndefined();
  });

  it.each(['not a token', 'bm9wZQ', Buffer.from('{"k":1}').toString('base64url')])('refuses a token it did not issue: %p', (token) => {
    expect(() => decodePageToken(token)).toThrow(/page_token is not a token this service issued/);
  });
});
