/** The three sign-in flows (auth.proto AuthFlow), spelled as the proto enum names. */
export const SIGN_IN_FLOWS = ['LOGIN', 'ENROLLMENT', 'MFA'] as const;
export type SignInFlow = (typeof SIGN_IN_FLOWS)[number];

/** Lifetime of a started sign-in (state, nonce, PKCE verifier). */
export const SIGN_IN_STATE_TTL_SECONDS = 10 * 60;
/** Lifetime of the one-time `result` handle a browser callback redirects with. */
export const AUTH_RESULT_TTL_SECONDS = 60;
/** Lifetime of an MFA challenge (Defguard's desktop MFA token lives 300 s). */
export const MFA_CHALLENGE_TTL_SECONDS = 5 * 60;

/** Where the provider sends the browser back, per flow (the redirect URIs to register). */
export function redirectUriFor(flow: SignInFlow, urls: { defguardUrl: string; defguardPublicUrl: string }): string {
  switch (flow) {
    case 'LOGIN':
      return `${urls.defguardUrl}/auth/callback`;
    case 'ENROLLMENT':
      return `${urls.defguardPublicUrl}/openid/callback`;
    case 'MFA':
      return `${urls.defguardPublicUrl}/openid/mfa/callback`;
  }
}
