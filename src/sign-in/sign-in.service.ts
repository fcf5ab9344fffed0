import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { DomainError, FailedPreconditionError, NotFoundError, SignInError, ValidationError } from '../common/errors';
import { hashToken, newOpaqueToken } from '../common/crypto/token-hash';
import { AppConfig } from '../config/app-config';
import { EnrollmentTokensService } from '../enrollment/enrollment-tokens.service';
import { MfaChallengesService } from '../mfa/mfa-challenges.service';
import { AuthResultsRepository } from './auth-results.repository';
import { resolveMfaUser, resolveSignInUser } from './claims-to-user';
import { authenticateWithStrategy, type VerifiedIdentity } from './hardened-oidc.strategy';
import { OidcStrategyFactory } from './oidc-strategy.factory';
import { LOGIN_GROUP_REFRESHER, SignInProviderSource, SignInUserDirectory, type LoginGroupRefresher, type SignInUser } from './ports';
import { createCodeVerifier } from './pkce';
import { AUTH_RESULT_TTL_SECONDS, SIGN_IN_FLOWS, redirectUriFor, type SignInFlow } from './sign-in-flow';
import { SIGN_IN, signInContext, syntheticRequest } from './sign-in-request';
import { SignInStateRepository } from './sign-in-state.repository';
import { requireUuid } from '../common/uuid';

export interface AuthInfo {
  url: string;
  state: string;
  buttonDisplayName: string | null;
  expiresAt: Date;
}

/** AuthResult of auth.proto, wire spelling (also what a redeemed handle returns). */
export interface AuthResultMessage {
  user: SignInUser;
  created: boolean;
  linked: boolean;
  enrollment_token: string;
  enrollment_url: string;
  mfa_status: 'MFA_STATUS_UNSPECIFIED' | 'COMPLETED';
  flow: SignInFlow;
  mfa_token: string;
}

export interface CallbackQuery {
  code?: unknown;
  state?: unknown;
  error?: unknown;
  error_description?: unknown;
}

const PURGE_INTERVAL_MS = 5 * 60_000;
/** Expired rows are kept this long so a late callback hears "expired", not "unknown". */
const PURGE_GRACE_SECONDS = 3600;

/** Validates an AuthFlow from the wire (enum name) or a route. */
export function requireFlow(flow: unknown): SignInFlow {
  if (typeof flow === 'string' && (SIGN_IN_FLOWS as readonly string[]).includes(flow)) return flow as SignInFlow;
  throw new ValidationError('flow must be LOGIN, ENROLLMENT or MFA', 'flow_unspecified');
}

function queryString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 4096) throw new ValidationError(`${name} must be a string of at most 4096 characters`);
  return value;
}

/**
 * The three sign-in flows, one code path: start (authorization URL, state stored), callback
 * (state consumed, code exchanged with PKCE, ID token verified, claims -> user), and the flow's
 * own ending (LOGIN: the user; ENROLLMENT: a new enrollment token; MFA: the challenge completed).
 * Both transports call these methods; the strategy never sees the transport.
 */
@Injectable()
export class SignInService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('SignIn');
  private purgeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly strategies: OidcStrategyFactory,
    private readonly providers: SignInProviderSource,
    private readonly users: SignInUserDirectory,
    private readonly enrollment: EnrollmentTokensService,
    private readonly mfa: MfaChallengesService,
    private readonly results: AuthResultsRepository,
    private readonly states: SignInStateRepository,
    private readonly config: AppConfig,
    @Optional() @Inject(LOGIN_GROUP_REFRESHER) private readonly groupRefresher?: LoginGroupRefresher,
  ) {}

  onModuleInit(): void {
    this.purgeTimer = setInterval(() => void this.purgeExpired(), PURGE_INTERVAL_MS);
    this.purgeTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }

  async purgeExpired(): Promise<void> {
    try {
      await this.states.purgeExpired(PURGE_GRACE_SECONDS);
      await this.results.purgeExpired(PURGE_GRACE_SECONDS);
    } catch (error) {
      this.logger.warn({ err: error }, 'purging expired sign-in rows failed');
    }
  }

  /** GetAuthInfo: the provider's authorization URL with state, nonce and PKCE S256. */
  async getAuthInfo(flowInput: unknown, mfaToken?: unknown): Promise<AuthInfo> {
    const flow = requireFlow(flowInput);
    let challenge: { id: string; userId: string } | null = null;
    if (flow === 'MFA') challenge = await this.mfa.requirePending(mfaToken);
    else if (mfaToken) throw new ValidationError('mfa_token is only for the MFA flow', 'invalid_argument');
    const { provider, strategy } = await this.strategies.current();
    const codeVerifier = createCodeVerifier();
    const req = syntheticRequest(flow, {});
    req[SIGN_IN].start = { codeVerifier, mfaChallengeId: challenge?.id ?? null, mfaToken: challenge ? (mfaToken as string) : null, expectedUserId: challenge?.userId ?? null };
    const outcome = await authenticateWithStrategy(strategy, req, { callbackURL: redirectUriFor(flow, this.config), signInCodeVerifier: codeVerifier });
    const issued = req[SIGN_IN].issued;
    if (outcome.kind !== 'redirect' || !issued) throw new Error(`strategy did not redirect (${outcome.kind})`);
    return { url: outcome.url, state: issued.state, buttonDisplayName: provider.buttonDisplayName, expiresAt: issued.expiresAt };
  }

  /** HandleCallback (gRPC) and the browser callbacks (HTTP): finishes one sign-in. */
  async handleCallback(flowInput: unknown, query: CallbackQuery): Promise<AuthResultMessage> {
    const flow = requireFlow(flowInput);
    const clean = {
      code: queryString(query.code, 'code'),
      state: queryString(query.state, 'state'),
      error: queryString(query.error, 'error'),
      error_description: queryString(query.error_description, 'error_description'),
    };
    if (!clean.state) throw new ValidationError('state is required', 'state_missing');
    if (!clean.code && !clean.error) throw new ValidationError('code is required (or error when the provider refused)', 'code_missing');
    const request = syntheticRequest(flow, clean);
    try {
      const { strategy } = await this.strategies.current();
      const outcome = await authenticateWithStrategy(strategy, request, { callbackURL: redirectUriFor(flow, this.config) });
      if (outcome.kind !== 'success') throw new SignInError('sign_in_refused', outcome.kind === 'fail' && outcome.message ? outcome.message : 'The sign-in was refused');
      return await this.finish(flow, outcome.identity, request);
    } catch (error) {
      const challengeId = signInContext(request).state?.mfaChallengeId;
      if (challengeId) await this.mfa.fail(challengeId, error instanceof DomainError ? error.code : 'internal').catch(() => undefined);
      throw error;
    }
  }

  /**
   * StartMfa: a PENDING challenge for an existing active user, and the browser URL that starts
   * the MFA sign-in (core's proxy routes /openid/mfa/login to this service).
   */
  async startMfa(userId: unknown): Promise<{ mfaToken: string; url: string; expiresAt: Date }> {
    const user = await this.users.getById(requireUuid(userId, 'user_id'));
    if (!user) throw new NotFoundError('No user has this user_id', 'user_not_found');
    if (!user.is_active) throw new FailedPreconditionError('The user is disabled', 'user_disabled');
    await this.strategies.current();
    const challenge = await this.mfa.start(user.id);
    return { mfaToken: challenge.token, url: `${this.config.defguardPublicUrl}/openid/mfa/login?token=${encodeURIComponent(challenge.token)}`, expiresAt: challenge.expiresAt };
  }

  /** Stores a finished browser sign-in behind a one-time handle (60 s, hashed). */
  async storeResult(result: AuthResultMessage): Promise<string> {
    const handle = newOpaqueToken();
    await this.results.insert(hashToken(handle), result.flow, result, AUTH_RESULT_TTL_SECONDS);
    return handle;
  }

  /** RedeemAuthResult: NOT_FOUND when unknown, expired or already used. */
  async redeemResult(handle: unknown): Promise<AuthResultMessage> {
    if (typeof handle !== 'string' || handle.length === 0 || handle.length > 256) throw new ValidationError('result is required', 'invalid_argument');
    const result = await this.results.consume(hashToken(handle));
    if (!result) throw new NotFoundError('The result handle is unknown, expired or already used', 'auth_result_unknown');
    return result as AuthResultMessage;
  }

  private async finish(flow: SignInFlow, identity: VerifiedIdentity, req: object): Promise<AuthResultMessage> {
    const base = { enrollment_token: '', enrollment_url: '', mfa_status: 'MFA_STATUS_UNSPECIFIED' as const, flow, mfa_token: '' };
    if (flow === 'MFA') {
      const state = signInContext(req).state!;
      const user = await resolveMfaUser(this.users, identity, state.expectedUserId!);
      if (!(await this.mfa.complete(state.mfaChallengeId!))) {
        throw new SignInError('mfa_challenge_expired', 'The MFA challenge expired or was already finished before the sign-in completed');
      }
      return { ...base, user, created: false, linked: false, mfa_status: 'COMPLETED', mfa_token: state.mfaToken ?? '' };
    }
    const settings = await this.providers.getSettings();
    const resolved = await resolveSignInUser(this.users, identity, settings);
    const user = await this.refreshGroups(resolved.user, identity);
    if (flow === 'ENROLLMENT') {
      const minted = await this.enrollment.mintFor(user);
      return { ...base, user, created: resolved.created, linked: resolved.linked, enrollment_token: minted.token, enrollment_url: minted.enrollmentUrl };
    }
    return { ...base, user, created: resolved.created, linked: resolved.linked };
  }

  /** The directory-sync seam: errors are logged, never fail the sign-in (Defguard §3.2 step 6). */
  private async refreshGroups(user: SignInUser, identity: VerifiedIdentity): Promise<SignInUser> {
    if (!this.groupRefresher) return user;
    try {
      await this.groupRefresher.refreshUserGroups({ id: user.id, email: user.email, subject: identity.subject, issuer: identity.issuer });
      return (await this.users.getById(user.id)) ?? user;
    } catch (error) {
      this.logger.warn({ err: error, userId: user.id }, 'refreshing the user\'s groups from the directory failed; sign-in continues');
      return user;
    }
  }
}
