import { OktaOrgDouble, OktaDoubleOptions } from '../okta-double';
import { OidcProviderPeer, OpServerConfig, startOidcProvider } from './oidc/oidc-provider-peer';

export interface OktaOrg {
  /** The org URL: the issuer for sign-in and the base of the Management API, as in Okta. */
  url: string;
  /** Sign-in (authorize, token, JWKS, userinfo, discovery): the real oidc-provider. */
  signIn: OidcProviderPeer;
  /** Users, groups, the client-credentials token endpoint: the Okta org double. */
  directory: OktaOrgDouble;
  stop(): Promise<void>;
}

/**
 * An Okta org on one origin, the way an admin configures it: `base_url` serves both the OpenID
 * discovery document (sign-in) and `/api/v1` + `/oauth2/v1/token` (directory sync).
 */
export async function startOktaOrg(options: { signIn: OpServerConfig; directory?: OktaDoubleOptions }): Promise<OktaOrg> {
  const directory = await OktaOrgDouble.start(options.directory);
  let signIn: OidcProviderPeer;
  try {
    signIn = await startOidcProvider({ ...options.signIn, apiProxy: { target: directory.listenUrl, prefixes: ['/api/v1/', '/oauth2/v1/'] } });
  } catch (error) {
    await directory.stop();
    throw error;
  }
  directory.usePublicUrl(signIn.issuer);
  return {
    url: signIn.issuer,
    signIn,
    directory,
    stop: async () => {
      await signIn.stop();
      await directory.stop();
    },
  };
}
