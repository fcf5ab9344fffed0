/**
 * The domain errors every service throws. Services never import HttpException or gRPC status
 * codes: HttpErrorFilter and GrpcErrorFilter map these at the edge. `message` is safe to show to
 * the caller; `cause` (the upstream or driver error) goes to the log only.
 */
export type DomainErrorKind =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'failed_precondition'
  | 'out_of_range'
  | 'resource_exhausted'
  | 'upstream'
  | 'unavailable';

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;

  constructor(
    message: string,
    /** Stable machine-readable code, documented in the README (e.g. `state_expired`). */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

type ErrorOptions = { cause?: unknown };

/** One constructor for every plain domain error: its kind, default code and default message. */
function domainError<K extends DomainErrorKind>(kind: K, defaultCode: string, defaultMessage?: string) {
  return class extends DomainError {
    readonly kind: K = kind;
    constructor(message: string = defaultMessage ?? kind, code: string = defaultCode, options?: ErrorOptions) {
      super(message, code, options);
    }
  };
}

export class ValidationError extends domainError('validation', 'invalid_argument') {}
export class UnauthenticatedError extends domainError('unauthenticated', 'unauthenticated', 'A valid bearer token is required') {}
export class ForbiddenError extends domainError('forbidden', 'forbidden') {}
export class NotFoundError extends domainError('not_found', 'not_found') {}
export class ConflictError extends domainError('conflict', 'already_exists') {}
/** The request is valid but the system's state forbids it (e.g. removing the last admin). */
export class FailedPreconditionError extends domainError('failed_precondition', 'failed_precondition') {}
export class OutOfRangeError extends domainError('out_of_range', 'out_of_range') {}
export class ResourceExhaustedError extends domainError('resource_exhausted', 'resource_exhausted') {}
/** A dependency of this service (the database) is down; the caller may retry. */
export class UnavailableError extends domainError('unavailable', 'unavailable', 'The service is temporarily unavailable; retry shortly') {}

/** The identity provider or its directory API failed or answered something unusable. */
export class UpstreamError extends DomainError {
  readonly kind = 'upstream';
  constructor(
    message: string,
    code = 'upstream_error',
    options?: ErrorOptions & { status?: number; endpoint?: string; providerCode?: string },
  ) {
    super(message, code, options);
    this.status = options?.status;
    this.endpoint = options?.endpoint;
    this.providerCode = options?.providerCode;
  }
  readonly status?: number;
  readonly endpoint?: string;
  readonly providerCode?: string;
}

/**
 * A refused sign-in (dashboard login, enrollment or the MFA step). `code` is one of the codes in
 * the README's sign-in error-code table (e.g. `state_expired`, `nonce_mismatch`,
 * `id_token_wrong_issuer`); the message says which rule failed in the spec's words, never a token or a secret. Refusals are
 * PERMISSION_DENIED / 403; `unauthenticated` is for the few that mean "prove who you are again".
 */
export class SignInError extends DomainError {
  readonly kind: 'forbidden' | 'unauthenticated';
  constructor(code: string, message: string, options?: { cause?: unknown; kind?: 'forbidden' | 'unauthenticated' }) {
    super(message, code, options);
    this.kind = options?.kind ?? 'forbidden';
  }
}

/** Errors raised by the PostgreSQL driver when the server cannot be reached. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (!e) return false;
  const codes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006'];
  if (e.code && codes.includes(e.code)) return true;
  return /Connection terminated|connection timeout|terminating connection|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
    e.message ?? '',
  );
}
