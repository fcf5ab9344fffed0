import { Injectable } from '@nestjs/common';
import { SignInError } from '../common/errors';
import { hashToken, newOpaqueToken } from '../common/crypto/token-hash';
import { SIGN_IN_STATE_TTL_SECONDS } from './sign-in-flow';
import { signInContext } from './sign-in-request';
import { SignInStateRepository, type StateRefusal } from './sign-in-state.repository';

const REFUSALS: Record<StateRefusal, string> = {
  state_unknown: 'The sign-in "state" is unknown: start the sign-in again',
  state_expired: `The sign-in "state" expired (a sign-in must finish within ${SIGN_IN_STATE_TTL_SECONDS / 60} minutes): start again`,
  state_reused: 'The sign-in "state" was already used: a callback can be completed only once',
};

type StoreCallback = (err: Error | null, handle?: string) => void;
type VerifyCallback = (err: Error | null, ctx?: false | { nonce: string }, appState?: unknown) => void;

/**
 * passport-openidconnect's `store` option backed by PostgreSQL (no session, any replica can
 * finish a flow). The state itself is a random 256-bit handle; only its SHA-256 is stored, next
 * to the nonce, the PKCE verifier, the flow and (MFA) the challenge. Consumed atomically and
 * first: the RFC 6749 §10.12 CSRF check and the single-use rule in one UPDATE.
 */
@Injectable()
export class PostgresStateStore {
  constructor(private readonly states: SignInStateRepository) {}

  store(req: unknown, ctx: { nonce?: string }, _appState: unknown, meta: { issuer: string; callbackURL: string }, cb: StoreCallback): void {
    const context = signInContext(req);
    const start = context.start;
    if (!start || !ctx.nonce) {
      cb(new Error('sign-in start without PKCE verifier or nonce'));
      return;
    }
    const state = newOpaqueToken();
    this.states
      .insert({
        stateHash: hashToken(state),
        flow: context.flow,
        nonce: ctx.nonce,
        codeVerifier: start.codeVerifier,
        redirectUri: meta.callbackURL,
        issuer: meta.issuer,
        mfaChallengeId: start.mfaChallengeId,
        mfaToken: start.mfaToken,
        expectedUserId: start.expectedUserId,
        ttlSeconds: SIGN_IN_STATE_TTL_SECONDS,
      })
      .then((expiresAt) => {
        context.issued = { state, expiresAt };
        cb(null, state);
      }, (error: Error) => cb(error));
  }

  verify(req: unknown, handle: unknown, cb: VerifyCallback): void {
    this.consume(req, handle).then((row) => cb(null, { nonce: row.nonce }), (error: Error) => cb(error));
  }

  /** Consumes the state of a callback and checks it belongs to this flow and provider. */
  async consume(req: unknown, handle: unknown, issuer?: string) {
    const context = signInContext(req);
    if (typeof handle !== 'string' || handle.length === 0 || handle.length > 512) {
      throw new SignInError('state_missing', 'The callback has no "state" parameter');
    }
    const row = await this.states.consume(hashToken(handle));
    if (typeof row === 'string') throw new SignInError(row, REFUSALS[row]);
    context.state = row;
    checkStateFlow(row.flow, context.flow);
    if (issuer !== undefined && row.issuer !== issuer) {
      throw new SignInError('state_provider_changed', 'The identity provider changed since this sign-in started: start again');
    }
    return row;
  }
}

/** RFC 6749 §10.12 / OIDC Core §3.1.2.7: a state is only valid for the flow that issued it. */
export function checkStateFlow(stateFlow: string, callbackFlow: string): void {
  if (stateFlow !== callbackFlow) {
    throw new SignInError('state_wrong_flow', `The sign-in "state" was issued for the ${stateFlow} flow, not ${callbackFlow}`);
  }
}
