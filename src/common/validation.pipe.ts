import { ValidationError as ClassValidatorError, ValidationPipe } from '@nestjs/common';
import { ValidationError } from './errors';

function describe(errors: ClassValidatorError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((text) => (text.startsWith(error.property) ? text.replace(error.property, field) : `${field}: ${text}`));
    return own.concat(describe(error.children ?? [], field));
  });
}

/**
 * DTOs are validated at the edge: unknown fields are refused (so a typo in a field name is not
 * silently ignored) and the message lists every field that failed, e.g.
 * `directory_sync_interval must not be less than 60`.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new ValidationError(describe(errors).join('; '), 'invalid_request'),
  });
}
