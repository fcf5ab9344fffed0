import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AuditRepository } from './audit/audit.repository';
import { AuditService } from './audit/audit.service';
import { BearerTokenGuard } from './auth/bearer-token.guard';
import { SecretBox } from './crypto/secret-box';
import { ErrorFilter } from './error.filter';

/** Cross-cutting pieces every module uses: the deny-by-default guard, the error filter, SecretBox, the audit log. */
@Global()
@Module({
  providers: [SecretBox, AuditRepository, AuditService, { provide: APP_GUARD, useClass: BearerTokenGuard }, { provide: APP_FILTER, useClass: ErrorFilter }],
  exports: [SecretBox, AuditService],
})
export class CommonModule {}
