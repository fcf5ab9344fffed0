import { HttpException, HttpStatus } from '@nestjs/common';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { DomainError, DomainErrorKind, isDatabaseUnavailable } from './errors';

const HTTP_STATUS: Record<DomainErrorKind, number> = {
  validation: HttpStatus.BAD_REQUEST,
  unauthenticated: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  // The request is valid but conflicts with the current state (e.g. it would remove the last admin).
  failed_precondition: HttpStatus.CONFLICT,
  out_of_range: HttpStatus.BAD_REQUEST,
  resource_exhausted: HttpStatus.TOO_MANY_REQUESTS,
  upstream: HttpStatus.BAD_GATEWAY,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
};

const GRPC_STATUS: Record<DomainErrorKind, GrpcStatus> = {
  validation: GrpcStatus.INVALID_ARGUMENT,
  unauthenticated: GrpcStatus.UNAUTHENTICATED,
  forbidden: GrpcStatus.PERMISSION_DENIED,
  not_found: GrpcStatus.NOT_FOUND,
  conflict: GrpcStatus.ALREADY_EXISTS,
  failed_precondition: GrpcStatus.FAILED_PRECONDITION,
  out_of_range: GrpcStatus.OUT_OF_RANGE,
  resource_exhausted: GrpcStatus.RESOURCE_EXHAUSTED,
  upstream: GrpcStatus.UNAVAILABLE,
  unavailable: GrpcStatus.UNAVAILABLE,
};

const HTTP_TO_GRPC: Record<number, GrpcStatus> = {
  400: GrpcStatus.INVALID_ARGUMENT,
  401: GrpcStatus.UNAUTHENTICATED,
  403: GrpcStatus.PERMISSION_DENIED,
  404: GrpcStatus.NOT_FOUND,
  409: GrpcStatus.ALREADY_EXISTS,
  413: GrpcStatus.INVALID_ARGUMENT,
  429: GrpcStatus.RESOURCE_EXHAUSTED,
  503: GrpcStatus.UNAVAILABLE,
};

export interface MappedError {
  httpStatus: number;
  grpcStatus: GrpcStatus;
  /** Safe for the caller. */
  message: string;
  code: string;
  /** Unexpected: log with the stack, answer a generic message. */
  unexpected: boolean;
  /** Extra fields a 503 carries (the health check's per-dependency report). */
  details?: Record<string, unknown>;
}

const INTERNAL_MESSAGE = 'Internal server error';

/**
 * PostgreSQL "data exception" errors (SQLSTATE class 22) mean a value from the request cannot be
 * stored or compared as it is: the caller's mistake, answered as such, whichever module sent it.
 */
const BAD_VALUE_MESSAGES: Record<string, string> = {
  '22021': 'Text values must be valid UTF-8 without NUL characters',
  '22P02': 'A value has the wrong format (for example an id that is not a UUID)',
  '22001': 'A value is longer than allowed',
  '22003': 'A number is out of range',
  '22007': 'A date or time value is not valid',
  '22008': 'A date or time value is out of range',
};

/**
 * Express's body parser rejects before Nest sees the request (a body over the size limit: 413,
 * malformed JSON: 400) with `http-errors` objects that carry their status and `expose: true`.
 */
function expressClientError(exception: unknown): { status: number; message: string } | undefined {
  const error = exception as { status?: unknown; expose?: unknown; type?: unknown } | undefined;
  if (typeof error?.status !== 'number' || error.status < 400 || error.status > 499 || error.expose !== true) return undefined;
  const messages: Record<string, string> = {
    'entity.too.large': 'The request body is too large',
    'entity.parse.failed': 'The request body is not valid JSON',
    'encoding.unsupported': 'The request body has an unsupported encoding',
  };
  return { status: error.status, message: messages[String(error.type)] ?? `The request was rejected (HTTP ${error.status})` };
}

function postgresBadValue(exception: unknown): string | undefined {
  const error = exception as { code?: unknown; driverError?: { code?: unknown } } | undefined;
  const code = error?.driverError?.code ?? error?.code;
  return typeof code === 'string' ? BAD_VALUE_MESSAGES[code] : undefined;
}

function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string') return message;
  return exception.message;
}

/**
 * Messages often quote the offending value. gRPC carries the message in HTTP/2 trailers, which
 * have a size limit: an oversized one breaks the whole connection (every call on core's channel
 * then hangs). So every message is capped, whatever module wrote it.
 */
export const MAX_ERROR_MESSAGE_LENGTH = 512;

function capped(message: string): string {
  return message.length <= MAX_ERROR_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_ERROR_MESSAGE_LENGTH - 15)}... (truncated)`;
}

/** The one place that decides how any thrown value looks to a REST or gRPC caller. */
export function mapError(exception: unknown): MappedError {
  const mapped = mapErrorUncapped(exception);
  return { ...mapped, message: capped(mapped.message) };
}

function mapErrorUncapped(exception: unknown): MappedError {
  if (exception instanceof DomainError) {
    return { httpStatus: HTTP_STATUS[exception.kind], grpcStatus: GRPC_STATUS[exception.kind], message: exception.message, code: exception.code, unexpected: false };
  }
  if (exception instanceof HttpException) {
    const httpStatus = exception.getStatus();
    if (httpStatus === 503) {
      const response = exception.getResponse();
      const details = typeof response === 'object' ? (response as Record<string, unknown>) : undefined;
      return { httpStatus, grpcStatus: GrpcStatus.UNAVAILABLE, message: 'The service is unavailable', code: 'unavailable', unexpected: false, details };
    }
    const unexpected = httpStatus >= 500;
    return {
      httpStatus,
      grpcStatus: HTTP_TO_GRPC[httpStatus] ?? (unexpected ? GrpcStatus.INTERNAL : GrpcStatus.INVALID_ARGUMENT),
      message: unexpected ? INTERNAL_MESSAGE : httpExceptionMessage(exception),
      code: unexpected ? 'internal' : `http_${httpStatus}`,
      unexpected,
    };
  }
  const clientError = expressClientError(exception);
  if (clientError) {
    return { httpStatus: clientError.status, grpcStatus: HTTP_TO_GRPC[clientError.status] ?? GrpcStatus.INVALID_ARGUMENT, message: clientError.message, code: `http_${clientError.status}`, unexpected: false };
  }
  const badValue = postgresBadValue(exception);
  if (badValue) {
    return { httpStatus: 400, grpcStatus: GrpcStatus.INVALID_ARGUMENT, message: badValue, code: 'invalid_value', unexpected: false };
  }
  if (isDatabaseUnavailable(exception)) {
    return { httpStatus: 503, grpcStatus: GrpcStatus.UNAVAILABLE, message: 'The database is unavailable; retry shortly', code: 'database_unavailable', unexpected: false };
  }
  return { httpStatus: 500, grpcStatus: GrpcStatus.INTERNAL, message: INTERNAL_MESSAGE, code: 'internal', unexpected: true };
}
