import { checkKindFields, KindSpecificField, PROVIDER_KINDS, providerKindRules } from './provider-kind';

const setOnly = (...fields: KindSpecificField[]) => (field: KindSpecificField) => fields.includes(field);

describe('provider kind rules', () => {
  it('adds prompt=select_account for Google only', () => {
    expect(PROVIDER_KINDS.filter((kind) => providerKindRules(kind).supportsSelectAccountPrompt)).toEqual(['Google']);
  });

  it('supports directory sync for Google, Microsoft, Okta and JumpCloud', () => {
    expect(PROVIDER_KINDS.filter((kind) => providerKindRules(kind).supportsDirectorySync)).toEqual(['Google', 'Microsoft', 'Okta', 'JumpCloud']);
  });
});

describe('checkKindFields', () => {
  it('requires the Okta directory sync client id and private key when sync is on', () => {
    expect(checkKindFields('Okta', true, setOnly())).toEqual([
      'okta_dirsync_client_id is required for Okta directory sync: paste the client ID of the separate Okta "API services" app used for directory sync',
      'okta_private_jwk is required for Okta directory sync: paste the private key in JSON format from that app\'s "Add key" dialog',
    ]);
    expect(checkKindFields('Okta', true, setOnly('okta_dirsync_client_id', 'okta_private_jwk'))).toEqual([]);
  });

  it('requires nothing extra when sync is off', () => {
    expect(checkKindFields('Okta', false, setOnly())).toEqual([]);
    expect(checkKindFields('Google', false, setOnly())).toEqual([]);
  });

  it('requires the Google service account key, its email and the admin email for Google sync', () => {
    expect(checkKindFields('Google', true, setOnly('admin_email')).map((p) => p.split(' ')[0])).toEqual(['google_service_account_key', 'google_service_account_email']);
  });

  it('requires the JumpCloud API key for JumpCloud sync', () => {
    expect(checkKindFields('JumpCloud', true, setOnly())).toEqual([expect.stringMatching(/^jumpcloud_api_key is required for JumpCloud directory sync/)]);
  });

  it('needs nothing extra for Microsoft sync (it reuses the sign-in client)', () => {
    expect(checkKindFields('Microsoft', true, setOnly())).toEqual([]);
  });

  it('refuses directory sync for Custom and Zitadel', () => {
    expect(checkKindFields('Custom', true, setOnly())).toEqual([
      'directory sync is not supported for Custom providers (only Google, Microsoft, Okta and JumpCloud): set directory_sync_enabled to false',
    ]);
    expect(checkKindFields('Zitadel', true, setOnly())).toHaveLength(1);
  });

  it("refuses another kind's fields", () => {
    expect(checkKindFields('Custom', false, setOnly('okta_private_jwk'))).toEqual(['okta_private_jwk is not used by Custom providers: leave it empty']);
    expect(checkKindFields('Okta', false, setOnly('jumpcloud_api_key', 'admin_email'))).toEqual([
      'admin_email is not used by Okta providers: leave it empty',
      'jumpcloud_api_key is not used by Okta providers: leave it empty',
    ]);
  });
});
