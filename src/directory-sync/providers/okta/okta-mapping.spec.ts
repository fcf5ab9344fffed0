import {
  DEFAULT_ACTIVE_STATUSES,
  OKTA_STATUS_TABLE,
  OKTA_USER_STATUSES,
  OktaObjectShapeError,
  parseActiveStatuses,
  toDirectoryGroup,
  toDirectoryMember,
  toDirectoryUser,
} from './okta-mapping';

const defaults = new Set(DEFAULT_ACTIVE_STATUSES);

describe('the Okta status table', () => {
  it('covers every Okta status once, and only ACTIVE is active by default (Defguard\'s rule)', () => {
    expect(OKTA_STATUS_TABLE.map((r) => r.status)).toEqual([...OKTA_USER_STATUSES]);
    expect(DEFAULT_ACTIVE_STATUSES).toEqual(['ACTIVE']);
  });

  it.each(OKTA_USER_STATUSES.map((s) => [s, s === 'ACTIVE']))('maps %s to active=%s by default', (status, active) => {
    expect(toDirectoryUser({ id: '00u1', status, profile: {} }, defaults).active).toBe(active);
  });

  it('accepts a widened mapping, case-insensitively', () => {
    const parsed = parseActiveStatuses(['active', ' PASSWORD_EXPIRED ']);
    expect(parsed).toEqual({ statuses: new Set(['ACTIVE', 'PASSWORD_EXPIRED']) });
  });

  it('refuses unknown statuses and an empty mapping', () => {
    expect(parseActiveStatuses(['ACTIVE', 'ENABLED'])).toEqual({
      problem:
        'activeStatuses contains unknown Okta statuses (ENABLED); allowed: STAGED, PROVISIONED, ACTIVE, RECOVERY, LOCKED_OUT, PASSWORD_EXPIRED, SUSPENDED, DEPROVISIONED',
    });
    expect(parseActiveStatuses([])).toEqual({ problem: 'activeStatuses must name at least one Okta status (e.g. ACTIVE)' });
  });
});

describe('mapping Okta objects', () => {
  it('maps a user with its profile and lastUpdated', () => {
    const raw = {
      id: '00u1',
      status: 'ACTIVE',
      lastUpdated: '2024-03-01T10:00:00.000Z',
      profile: { login: 'a@example.com', email: 'a@example.com', firstName: 'Ann', lastName: 'Lee', mobilePhone: '+48 1' },
    };
    expect(toDirectoryUser(raw, defaults)).toEqual({
      id: '00u1',
      email: 'a@example.com',
      active: true,
      status: 'ACTIVE',
      login: 'a@example.com',
      firstName: 'Ann',
      lastName: 'Lee',
      phone: '+48 1',
      lastUpdated: '2024-03-01T10:00:00.000Z',
    });
  });

  it('keeps a user without email (null) and refuses one without id or status', () => {
    expect(toDirectoryUser({ id: '00u2', status: 'STAGED', profile: { login: 'x' } }, defaults).email).toBeNull();
    expect(() => toDirectoryUser({ status: 'ACTIVE' }, defaults)).toThrow(OktaObjectShapeError);
    expect(() => toDirectoryUser({ id: '00u3' }, defaults)).toThrow(OktaObjectShapeError);
    expect(() => toDirectoryUser(null, defaults)).toThrow(OktaObjectShapeError);
  });

  it('maps groups and members', () => {
    expect(
      toDirectoryGroup({ id: '00g1', type: 'BUILT_IN', profile: { name: 'Everyone' }, lastUpdated: 'a', lastMembershipUpdated: 'b' }),
    ).toEqual({ id: '00g1', name: 'Everyone', type: 'BUILT_IN', lastUpdated: 'a', lastMembershipUpdated: 'b' });
    expect(() => toDirectoryGroup({ id: '00g2', profile: {} })).toThrow(OktaObjectShapeError);
    expect(toDirectoryMember({ id: '00u1', profile: { email: 'a@example.com' } })).toEqual({ id: '00u1', email: 'a@example.com' });
    expect(() => toDirectoryMember({})).toThrow(OktaObjectShapeError);
  });
});
