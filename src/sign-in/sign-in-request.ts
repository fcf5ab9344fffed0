import type { IdTokenClaims } from './id-token-checks';
import type { SignInFlow } from './sign-in-flow';
import type { SignInStateRow } from './sign-in-state.repository';

/** What one sign-in request carries through the Passport strategy (on the HTTP or synthetic request). */
export interface SignInRequestContext {
  flow: SignInFlow;
  /** Set when starting: what the state store persists next to the nonce. */
  start?: { codeVerifier: string; mfaChallengeId: string | null; mfaToken: string | null; expectedUserId: string | null };
  /** Set by the state store when starting: the state handed to the provider. */
  issued?: { state: string; expiresAt: Date };
  /** Set by the state store on the callback: the consumed state. */
  state?: SignInStateRow;
  /** Set once the ID token passed every check. */
  claims?: IdTokenClaims;
}

export const SIGN_IN = Symbol('signIn');

export interface SignInRequest {
  query: Record<string, unknown>;
  headers?: Record<string, unknown>;
  [SIGN_IN]: SignInRequestContext;
}

export function signInContext(req: unknown): SignInRequestContext {
  const context = (req as Partial<SignInRequest>)[SIGN_IN];
  if (!context) throw new Error('sign-in request context missing');
  return context;
}

/** A request as passport-openidconnect reads it, for calls that arrive over gRPC. */
export function syntheticRequest(flow: SignInFlow, query: Record<string, string | undefined>): SignInRequest {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') clean[key] = value;
  return { query: clean, headers: {}, [SIGN_IN]: { flow } };
}
