// Single use of a sign-in state at the PostgreSQL level: many consumes of one state, in parallel
// over two replicas' connection pools, and exactly one gets the row (RFC 6749 §10.12; the README, "Sign in"
// "Callback, in order", step 1).
import { randomBytes } from 'node:crypto';
import { hashToken } from '../../src/common/crypto/token-hash';
import { SignInStateRepository, type NewSignInState } from '../../src/sign-in/sign-in-state.repository';
import { startTestApp, type TestApp } from '../support/app';

const PARALLEL = 40;
const ROUNDS = 10;

function newState(overrides: Partial<NewSignInState> = {}): NewSignInState {
  return {
    stateHash: hashToken(randomBytes(32).toString('base64url')),
    flow: 'LOGIN',
    nonce: randomBytes(16).toString('base64url'),
    codeVerifier: randomBytes(32).toString('base64url'),
    redirectUri: 'http://127.0.0.1:8000/auth/callback',
    issuer: 'https://example.okta.com',
    mfaChallengeId: null,
    mfaToken: null,
    expectedUserId: null,
    ttlSeconds: 600,
    ...overrides,
  };
}

describe('sign_in_states: single use under concurrency (two replicas, one database)', () => {
  let first: TestApp;
  let second: TestApp;
  let sut: SignInStateRepository[];

  beforeAll(async () => {
    first = await startTestApp();
    second = await startTestApp({ db: first.db });
    sut = [first, second].map((app) => app.app.get(SignInStateRepository, { strict: false }));
  });

  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  it(`lets exactly one of ${PARALLEL} parallel consumes of one state win, ${ROUNDS} times over`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const state = newState();
      await sut[0].insert(state);
      const outcomes = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => sut[i % 2].consume(state.stateHash)));
      const winners = outcomes.filter((o) => typeof o === 'object');
      expect(winners).toHaveLength(1);
      expect(winners[0]).toMatchObject({ nonce: state.nonce, codeVerifier: state.codeVerifier, flow: 'LOGIN' });
      expect(outcomes.filter((o) => o === 'state_reused')).toHaveLength(PARALLEL - 1);
    }
  });

  it('lets no parallel consume win an expired state', async () => {
    const state = newState();
    await sut[0].insert(state);
    await first.db.query(`UPDATE sign_in_states SET expires_at = now() - interval '1 second' WHERE state_hash = $1`, [state.stateHash]);
    const outcomes = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => sut[i % 2].consume(state.stateHash)));
    expect(new Set(outcomes)).toEqual(new Set(['state_expired']));
  });
});
