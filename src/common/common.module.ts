import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { BearerTokenGuard } from './auth/bearer-token.guard';
import { SecretBox } from './crypto/secret-box';
import { ErrorFilter } from './error.filter';

/** Cross-cutting pieces every module uses: the deny-by-default guard, the error filter, SecretBox. */
@Global()
@Module({
  providers: [SecretBox, { provide: APP_GUARD, useClass: BearerTokenGuard }, { provide: APP_FILTER, useClass: ErrorFilter }],
  exports: [SecretBox],
})
export class CommonModule {}
