/**
 * Binds sign-in's ports to the exported services of the identity-provider and users modules.
 * Nothing here decides anything: it only reshapes.
 */
import { Injectable } from '@nestjs/common';
import { DiscoveryService, ProviderService } from '../identity-provider';
import { UsersService } from '../users/users.service';
import type { UsernameHandling } from '../users/username';
import { SignInProviderSource, SignInUserDirectory, type NewOidcUser, type ProviderEndpoints, type SignInProvider, type SignInSettings, type SignInUser } from './ports';

@Injectable()
export class IdentityProviderSource extends SignInProviderSource {
  constructor(
    private readonly providers: ProviderService,
    private readonly discovery: DiscoveryService,
  ) {
    super();
  }

  async getActiveProvider(): Promise<SignInProvider | null> {
    const provider = await this.providers.getActiveProvider();
    if (!provider) return null;
    return {
      id: provider.id,
      kind: provider.kind,
      baseUrl: provider.baseUrl,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      buttonDisplayName: provider.buttonDisplayName,
      supportsSelectAccountPrompt: provider.rules.supportsSelectAccountPrompt,
      updatedAt: provider.updatedAt,
    };
  }

  getSettings(): Promise<SignInSettings> {
    return this.providers.getSettings();
  }

  discover(baseUrl: string): Promise<ProviderEndpoints> {
    return this.discovery.discover(baseUrl);
  }

  onChange(listener: () => void): () => void {
    return this.providers.onChange(() => {
      this.discovery.invalidate();
      listener();
    });
  }
}

@Injectable()
export class UsersDirectory extends SignInUserDirectory {
  constructor(private readonly users: UsersService) {
    super();
  }

  getById(id: string): Promise<SignInUser | null> {
    return this.users.getById(id);
  }

  getByIssuerSubject(issuer: string, subject: string): Promise<SignInUser | null> {
    return this.users.getByIssuerSubject(issuer, subject);
  }

  getByEmail(email: string): Promise<SignInUser | null> {
    return this.users.getByEmail(email);
  }

  createOidcUser(input: NewOidcUser, usernameHandling: UsernameHandling): Promise<SignInUser> {
    return this.users.createUser(input, { source: 'OIDC', usernameHandling });
  }

  linkSubject(userId: string, issuer: string, subject: string): Promise<SignInUser> {
    return this.users.linkSubject(userId, issuer, subject);
  }
}
