import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { Observable, throwError } from 'rxjs';
import { mapError } from './error-mapping';

/**
 * Global filter for both transports. REST answers `{"msg": ..., "code": ...}` as Defguard does
 * (`msg`), gRPC answers a status code with the same message. Causes and stacks go to the log only.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    const mapped = mapError(exception);
    if (mapped.unexpected) {
      this.logger.error({ err: exception }, 'unexpected error');
    } else if (mapped.code === 'database_unavailable' || (exception as { cause?: unknown })?.cause) {
      this.logger.warn({ err: exception, code: mapped.code }, mapped.message);
    }
    if (host.getType() === 'rpc') {
      return throwError(() => ({ code: mapped.grpcStatus, message: mapped.message }));
    }
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    response.status(mapped.httpStatus).json({ ...mapped.details, msg: mapped.message, code: mapped.code });
  }
}
