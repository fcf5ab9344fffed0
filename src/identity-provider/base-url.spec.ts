import { checkBaseUrl, checkBaseUrlForKind, checkOktaOrgUrl, isLoopbackHost } from './base-url';

const strict = { allowHttpLoopback: false };
const loopbackAllowed = { allowHttpLoopback: true };

describe('checkBaseUrl', () => {
  it.each(['https://dev-123456.okta.com', 'https://login.microsoftonline.com/tenant/v2.0', 'https://idp.example.net/realms/main/', 'https://accounts.google.com'])('accepts the issuer %s', (url) => {
    expect(checkBaseUrl(url, strict)).toBeNull();
  });

  it('rejects a value that is not an absolute URL', () => {
    expect(checkBaseUrl('dev-123456.okta.com', strict)).toBe('base_url must be an absolute URL such as https://your-org.okta.com (got "dev-123456.okta.com")');
  });

  it('rejects http on a public host even when loopback http is allowed', () => {
    expect(checkBaseUrl('http://dev-123456.okta.com', loopbackAllowed)).toBe('base_url must use https (got "http://dev-123456.okta.com")');
  });

  it('rejects http on loopback unless ALLOW_HTTP_LOOPBACK_PROVIDERS is on', () => {
    expect(checkBaseUrl('http://127.0.0.1:9000', strict)).toMatch(/only when ALLOW_HTTP_LOOPBACK_PROVIDERS is on$/);
    expect(checkBaseUrl('http://127.0.0.1:9000', loopbackAllowed)).toBeNull();
    expect(checkBaseUrl('http://[::1]:9000', loopbackAllowed)).toBeNull();
  });

  it('rejects other schemes', () => {
    expect(checkBaseUrl('ftp://idp.example.net', loopbackAllowed)).toBe('base_url must be an https URL (got "ftp://idp.example.net")');
  });

  it('rejects credentials in the URL without echoing them', () => {
    const problem = checkBaseUrl('https://admin:hunter2@idp.example.net', strict);
    expect(problem).toBe('base_url must not contain a user name or password (user:password@): remove them');
  });

  it('rejects a query and a fragment, even an empty one', () => {
    expect(checkBaseUrl('https://idp.example.net/?tenant=1', strict)).toMatch(/^base_url must not contain a query/);
    expect(checkBaseUrl('https://idp.example.net/?', strict)).toMatch(/^base_url must not contain a query/);
    expect(checkBaseUrl('https://idp.example.net/#x', strict)).toMatch(/^base_url must not contain a fragment/);
  });

  it('tells the admin to drop the well-known path when the discovery URL is pasted', () => {
    expect(checkBaseUrl('https://dev-1.okta.com/.well-known/openid-configuration', strict)).toBe('base_url is the issuer, without /.well-known/openid-configuration: use "https://dev-1.okta.com"');
  });
});

describe('isLoopbackHost', () => {
  it.each([['localhost', true], ['127.0.0.1', true], ['127.5.5.5', true], ['[::1]', true], ['10.0.0.1', false], ['example.com', false], ['127.0.0.1.nip.io', false]])('%s -> %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('Okta base URL (checkOktaOrgUrl)', () => {
  it('rejects the -admin console domain and names the org URL', () => {
    expect(checkOktaOrgUrl('https://dev-123456-admin.okta.com', false)).toBe(
      'base_url "https://dev-123456-admin.okta.com" is the Okta admin console domain: remove "-admin" and use your Okta org URL "https://dev-123456.okta.com"',
    );
  });

  it('rejects a custom authorization server path when directory sync is on, and only then', () => {
    expect(checkOktaOrgUrl('https://dev-1.okta.com/oauth2/default', true)).toBe(
      'base_url "https://dev-1.okta.com/oauth2/default" points to an Okta authorization server (/oauth2/default); directory sync needs the Okta org URL "https://dev-1.okta.com" as base_url',
    );
    expect(checkOktaOrgUrl('https://dev-1.okta.com/oauth2/default', false)).toBeNull();
    expect(checkOktaOrgUrl('https://dev-1.okta.com', true)).toBeNull();
  });
});

describe('checkBaseUrlForKind', () => {
  it('needs the tenant in a Microsoft base_url when directory sync is on', () => {
    expect(checkBaseUrlForKind('Microsoft', 'https://login.microsoftonline.com/common', true)).toMatch(/has no tenant/);
    expect(checkBaseUrlForKind('Microsoft', 'https://login.microsoftonline.com/0000-1111/v2.0', true)).toBeNull();
  });

  it('has no kind rule for Custom providers', () => {
    expect(checkBaseUrlForKind('Custom', 'https://idp.example.net/oauth2/default', true)).toBeNull();
  });
});
