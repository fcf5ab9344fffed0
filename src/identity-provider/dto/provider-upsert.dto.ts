import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { USERNAME_HANDLINGS, UsernameHandling } from '../../users/username';
import { parseGroupMatch } from '../group-match';
import { DIRECTORY_SYNC_BEHAVIORS, DIRECTORY_SYNC_TARGETS, DirectorySyncBehavior, DirectorySyncTarget, PROVIDER_KINDS, ProviderKind } from '../provider-kind';
import { OptionalString, RequiredBoolean, RequiredEnum, RequiredInteger, RequiredSecret, RequiredString, StringList } from './field-validators';

/** Defguard matches the behaviours and the target case-insensitively; so do we (but refuse unknown values). */
const lowerCase = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);
const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
/** Keeps a value parseGroupMatch cannot read as is, so the validator names the field. */
const groupMatch = ({ value }: { value: unknown }) => parseGroupMatch(value) ?? value;

export const INT32_MAX = 2_147_483_647;
export const MIN_SYNC_INTERVAL_SECONDS = 60;

/**
 * Defguard's `AddProviderData` (POST and PUT /api/v1/openid/provider), same field names and enum
 * spellings. Required fields as in Defguard; a missing one is a 400 naming it. Secrets may be
 * blank or the masked placeholder on an update: the stored value is kept.
 */
export class ProviderUpsertDto {
  @ApiProperty({ example: 'Okta', description: 'Unique name; the Defguard UI sets it to the kind.' })
  @Transform(trimmed)
  @RequiredString(100)
  name: string;

  @ApiProperty({ example: 'https://dev-123456.okta.com', description: 'The issuer, exactly as in <base_url>/.well-known/openid-configuration.' })
  @Transform(trimmed)
  @RequiredString()
  base_url: string;

  @ApiProperty({ enum: PROVIDER_KINDS })
  @RequiredEnum(PROVIDER_KINDS)
  kind: ProviderKind;

  @ApiProperty()
  @Transform(trimmed)
  @RequiredString()
  client_id: string;

  @ApiProperty({ description: 'Write-only. Blank or "********" keeps the stored secret.' })
  @RequiredSecret()
  client_secret: string;

  @ApiPropertyOptional({ nullable: true, example: 'Okta', description: 'Login button label.' })
  @Transform(trimmed)
  @OptionalString(200)
  display_name?: string | null;

  @ApiPropertyOptional({ nullable: true, description: 'Google: the private_key (PEM) of the service account. Write-only.' })
  @OptionalString()
  google_service_account_key?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @Transform(trimmed)
  @OptionalString(320)
  google_service_account_email?: string | null;

  @ApiPropertyOptional({ nullable: true, description: 'Google: the Workspace admin the service account impersonates.' })
  @Transform(trimmed)
  @OptionalString(320)
  admin_email?: string | null;

  @ApiProperty()
  @RequiredBoolean()
  directory_sync_enabled: boolean;

  @ApiProperty({ example: 600, minimum: MIN_SYNC_INTERVAL_SECONDS })
  @RequiredInteger(MIN_SYNC_INTERVAL_SECONDS, INT32_MAX, ' seconds')
  directory_sync_interval: number;

  @ApiProperty({ enum: DIRECTORY_SYNC_BEHAVIORS })
  @Transform(lowerCase)
  @RequiredEnum(DIRECTORY_SYNC_BEHAVIORS)
  directory_sync_user_behavior: DirectorySyncBehavior;

  @ApiProperty({ enum: DIRECTORY_SYNC_BEHAVIORS })
  @Transform(lowerCase)
  @RequiredEnum(DIRECTORY_SYNC_BEHAVIORS)
  directory_sync_admin_behavior: DirectorySyncBehavior;

  @ApiProperty({ enum: DIRECTORY_SYNC_TARGETS })
  @Transform(lowerCase)
  @RequiredEnum(DIRECTORY_SYNC_TARGETS)
  directory_sync_target: DirectorySyncTarget;

  @ApiPropertyOptional({ nullable: true, description: 'Okta: the private JWK (JSON) of the directory sync app. Write-only.' })
  @OptionalString()
  okta_private_jwk?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @Transform(trimmed)
  @OptionalString(200)
  okta_dirsync_client_id?: string | null;

  @ApiPropertyOptional({ nullable: true, oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], example: 'Engineering, VPN users' })
  @Transform(groupMatch)
  @StringList('a comma-separated string or a list of group names')
  directory_sync_group_match: string[] = [];

  @ApiPropertyOptional({ nullable: true, description: 'JumpCloud API key. Write-only.' })
  @OptionalString()
  jumpcloud_api_key?: string | null;

  @ApiProperty()
  @RequiredBoolean()
  prefetch_users: boolean;

  @ApiProperty({ description: 'Create an account on first sign-in when no user matches.' })
  @RequiredBoolean()
  create_account: boolean;

  @ApiProperty({ enum: USERNAME_HANDLINGS })
  @RequiredEnum(USERNAME_HANDLINGS)
  username_handling: UsernameHandling;
}
