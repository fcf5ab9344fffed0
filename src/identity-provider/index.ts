// The public API of the identity-provider module: what the sign-in and directory-sync modules import.
export { IdentityProviderModule } from './identity-provider.module';
export { ProviderService } from './provider.service';
export { DiscoveryService, DiscoveryError, DiscoveryDocument, discoveryUrl, DISCOVERY_TTL_MS } from './discovery.service';
export {
  ActiveProvider,
  IdentitySettings,
  DirectorySyncSettings,
  ProviderChange,
  ProviderDetails,
  DirectoryConnectionTester,
  DirectorySyncTestResult,
  DIRECTORY_CONNECTION_TESTER,
  SECRET_PLACEHOLDER,
} from './provider.types';
export { ProviderKind, PROVIDER_KINDS, ProviderKindRules, providerKindRules, DirectorySyncBehavior, DirectorySyncTarget } from './provider-kind';
