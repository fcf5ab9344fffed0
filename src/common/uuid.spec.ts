import { isUuid, requireUuid } from './uuid';

describe('requireUuid', () => {
  it('lower-cases a UUID and names the field when refusing', () => {
    expect(requireUuid('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'id')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(() => requireUuid("1' OR '1'='1", 'user_id')).toThrow(`user_id must be a UUID (got "1' OR '1'='1")`);
  });

  it('carries the caller\'s error code', () => {
    expect(() => requireUuid('x', 'id', 'invalid_id')).toThrow(expect.objectContaining({ code: 'invalid_id', kind: 'validation' }));
  });

  it.each([undefined, null, 42, '', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 '])('refuses %p', (value) => {
    expect(isUuid(value)).toBe(false);
  });
});
