// Okta's two error shapes, kept in one place so every route answers the same way.
//
// Management API (/api/v1/*): `{errorCode, errorSummary, errorLink, errorId, errorCauses}`
// (developer.okta.com/docs/reference/error-codes/). OAuth endpoints (/oauth2/v1/*) use the RFC 6749
// §5.2 shape `{error, error_description}`.
import { randomBytes } from 'node:crypto';

export interface OktaApiError {
  errorCode: string;
  errorSummary: string;
  errorLink: string;
  errorId: string;
  errorCauses: Array<{ errorSummary: string }>;
}

export interface OAuthError {
  error: string;
  error_description: string;
}

/** A failure a handler raises; the dispatcher turns it into the response. */
export class DoubleHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: OktaApiError | OAuthError,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${'errorCode' in body ? body.errorCode : body.error}`);
  }
}

/** Okta's errorId looks like `oaeXXXXXXXXXXXXXXXXXXXX`; random so two failures never share one. */
function newErrorId(): string {
  return 'oae' + randomBytes(15).toString('base64url').slice(0, 20);
}

export function oktaApiError(errorCode: string, errorSummary: string, causes: string[] = []): OktaApiError {
  return {
    errorCode,
    errorSummary,
    errorLink: errorCode,
    errorId: newErrorId(),
    errorCauses: causes.map((c) => ({ errorSummary: c })),
  };
}

// The Okta error codes the double emits (summaries as in Okta's error-code catalogue).
export const invalidToken = (cause?: string, headers: Record<string, string> = {}) =>
  new DoubleHttpError(401, oktaApiError('E0000011', 'Invalid token provided', cause ? [cause] : []), headers);

export const forbidden = (cause?: string) =>
  new DoubleHttpError(
    403,
    oktaApiError('E0000006', 'You do not have permission to perform the requested action', cause ? [cause] : []),
    cause ? { 'WWW-Authenticate': `Bearer error="insufficient_scope", error_description="${cause}"` } : {},
  );

export const notFound = (resource: string, kind: 'User' | 'UserGroup') =>
  new DoubleHttpError(404, oktaApiError('E0000007', `Not found: Resource not found: ${resource} (${kind})`));

/** Okta answers an unknown endpoint (404) or a wrong method (405) with E0000022. */
export const unsupportedEndpoint = (status: 404 | 405) =>
  new DoubleHttpError(status, oktaApiError('E0000022', 'The endpoint does not support the provided HTTP method'));

export const invalidSearchCriteria = (cause: string) =>
  new DoubleHttpError(400, oktaApiError('E0000031', 'Invalid search criteria.', [cause]));

export const rateLimited = () =>
  new DoubleHttpError(429, oktaApiError('E0000047', 'API call exceeded rate limit due to too many requests.'));

export const internalError = (status: number) =>
  new DoubleHttpError(status, oktaApiError('E0000009', 'Internal Server Error'));

export const oauthError = (status: number, error: string, description: string, headers: Record<string, string> = {}) =>
  new DoubleHttpError(status, { error, error_description: description }, headers);
