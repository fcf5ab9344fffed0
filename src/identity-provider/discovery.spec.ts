import { checkCodeFlowSupported, checkEndpoints, checkIssuerMatches, discoveryUrl, DiscoveryError } from './discovery.service';

function failure(fn: () => void): DiscoveryError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DiscoveryError) return error;
    throw error;
  }
  throw new Error('expected a DiscoveryError');
}

describe('discoveryUrl (OIDC Discovery §4)', () => {
  it('appends the well-known path after removing a trailing slash', () => {
    expect(discoveryUrl('https://idp.example.net/realms/main/')).toBe('https://idp.example.net/realms/main/.well-known/openid-configuration');
    expect(discoveryUrl('https://dev-1.okta.com')).toBe('https://dev-1.okta.com/.well-known/openid-configuration');
  });
});

describe('checkIssuerMatches (OIDC Discovery §4.3)', () => {
  it('accepts the identical issuer only', () => {
    expect(() => checkIssuerMatches('https://dev-1.okta.com', 'https://dev-1.okta.com')).not.toThrow();
    expect(failure(() => checkIssuerMatches('https://dev-1.okta.com', 'https://DEV-1.okta.com')).code).toBe('issuer_mismatch');
  });

  it('points at "-admin" when that is the only difference', () => {
    expect(failure(() => checkIssuerMatches('https://dev-1-admin.okta.com', 'https://dev-1.okta.com')).message).toMatch(/remove "-admin" from the Okta domain: set base_url to "https:\/\/dev-1\.okta\.com"$/);
  });

  it('points at the trailing slash when that is the only difference', () => {
    expect(failure(() => checkIssuerMatches('https://idp.example.net/realms/main', 'https://idp.example.net/realms/main/')).message).toMatch(/differ only in the trailing slash/);
  });

  it('refuses a document without issuer', () => {
    expect(failure(() => checkIssuerMatches('https://idp.example.net', undefined)).code).toBe('discovery_invalid_document');
  });
});

describe('checkEndpoints (OIDC Discovery §3)', () => {
  const httpsOnly = (url: URL) => url.protocol === 'https:';
  const complete = { authorization_endpoint: 'https://i/a', token_endpoint: 'https://i/t', jwks_uri: 'https://i/k' };

  it('accepts absolute https endpoints', () => {
    expect(() => checkEndpoints(complete, httpsOnly, 'src')).not.toThrow();
  });

  it('names every missing endpoint', () => {
    expect(failure(() => checkEndpoints({ token_endpoint: 'https://i/t' }, httpsOnly, 'src')).message).toBe(
      'The OpenID configuration at src has no authorization_endpoint, jwks_uri; sign-in needs all of authorization_endpoint, token_endpoint and jwks_uri',
    );
  });

  it('refuses an endpoint that is not an https URL', () => {
    expect(failure(() => checkEndpoints({ ...complete, jwks_uri: 'http://i/k' }, httpsOnly, 'src')).message).toBe('The OpenID configuration at src has jwks_uri "http://i/k", which is not an absolute https URL');
    expect(failure(() => checkEndpoints({ ...complete, token_endpoint: '/token' }, httpsOnly, 'src')).code).toBe('discovery_invalid_document');
  });
});

describe('checkCodeFlowSupported', () => {
  it('needs "code" among response_types_supported', () => {
    expect(() => checkCodeFlowSupported({ response_types_supported: ['code', 'id_token'] }, 'src')).not.toThrow();
    expect(failure(() => checkCodeFlowSupported({ response_types_supported: ['code id_token'] }, 'src')).code).toBe('discovery_code_flow_unsupported');
    expect(failure(() => checkCodeFlowSupported({}, 'src')).code).toBe('discovery_code_flow_unsupported');
  });
});
