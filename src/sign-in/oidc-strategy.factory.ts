import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { FailedPreconditionError, UpstreamError } from '../common/errors';
import { httpRequest } from '../common/http-client';
import { AppConfig } from '../config/app-config';
import { HardenedOidcStrategy } from './hardened-oidc.strategy';
import { JwksCache } from './jwks-cache';
import { SignInProviderSource, type ProviderEndpoints, type SignInProvider } from './ports';
import { PostgresStateStore } from './postgres-state-store';

export interface CurrentStrategy {
  provider: SignInProvider;
  endpoints: ProviderEndpoints;
  strategy: HardenedOidcStrategy;
  jwks: JwksCache;
}

/**
 * One strategy per provider, built from the stored settings and the cached discovery document;
 * rebuilt when the provider changes (onChange) or discovery was refetched. The JWKS cache lives
 * as long as the jwks_uri does.
 */
@Injectable()
export class OidcStrategyFactory implements OnModuleDestroy {
  private cached: (CurrentStrategy & { key: string }) | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly providers: SignInProviderSource,
    private readonly stateStore: PostgresStateStore,
    private readonly config: AppConfig,
  ) {
    this.unsubscribe = providers.onChange(() => {
      this.cached = undefined;
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** FAILED_PRECONDITION `no_provider`; discovery failures are UNAVAILABLE with their own code. */
  async current(): Promise<CurrentStrategy> {
    const provider = await this.providers.getActiveProvider();
    if (!provider) throw new FailedPreconditionError('No OpenID Connect provider is configured', 'no_provider');
    const endpoints = await this.providers.discover(provider.baseUrl);
    const key = `${provider.id}|${provider.updatedAt.getTime()}|${provider.clientId}`;
    const cached = this.cached;
    if (cached && cached.key === key && cached.endpoints === endpoints) return cached;
    const jwks = cached && cached.key === key && cached.endpoints.jwks_uri === endpoints.jwks_uri ? cached.jwks : this.jwksFor(endpoints.jwks_uri);
    const strategy = new HardenedOidcStrategy({
      issuer: provider.baseUrl,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      endpoints,
      jwks,
      stateStore: this.stateStore,
      prompt: provider.supportsSelectAccountPrompt ? 'select_account' : undefined,
      timeoutMs: this.config.outboundHttpTimeoutMs,
    });
    this.cached = { key, provider, endpoints, strategy, jwks };
    return this.cached;
  }

  private jwksFor(jwksUri: string): JwksCache {
    const timeoutMs = this.config.outboundHttpTimeoutMs;
    return new JwksCache(async () => {
      let response;
      try {
        response = await httpRequest(jwksUri, { headers: { accept: 'application/jwk-set+json, application/json' }, timeoutMs });
      } catch (error) {
        throw new UpstreamError('The identity provider\'s JWKS (jwks_uri) could not be fetched', 'jwks_unavailable', { cause: error, endpoint: jwksUri });
      }
      if (response.status !== 200) throw new UpstreamError(`The identity provider's JWKS (jwks_uri) answered HTTP ${response.status}`, 'jwks_unavailable', { endpoint: jwksUri, status: response.status });
      try {
        return JSON.parse(response.text);
      } catch (error) {
        throw new UpstreamError('The identity provider\'s JWKS (jwks_uri) is not JSON', 'jwks_unavailable', { cause: error, endpoint: jwksUri });
      }
    });
  }
}
