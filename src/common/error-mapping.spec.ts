import { BadRequestException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { QueryFailedError } from 'typeorm';
import { mapError } from './error-mapping';
import { ConflictError, FailedPreconditionError, NotFoundError, UpstreamError, ValidationError } from './errors';

function queryFailed(code: string): QueryFailedError {
  return new QueryFailedError('SELECT 1', [], Object.assign(new Error('driver says no'), { code }));
}

describe('mapError', () => {
  it.each([
    [new ValidationError('bad'), 400, GrpcStatus.INVALID_ARGUMENT],
    [new NotFoundError('none'), 404, GrpcStatus.NOT_FOUND],
    [new ConflictError('dup'), 409, GrpcStatus.ALREADY_EXISTS],
    [new FailedPreconditionError('last admin'), 409, GrpcStatus.FAILED_PRECONDITION],
    [new UpstreamError('okta down'), 502, GrpcStatus.UNAVAILABLE],
  ])('maps %p to HTTP %i and gRPC %i with its own message', (error, http, grpc) => {
    expect(mapError(error)).toMatchObject({ httpStatus: http, grpcStatus: grpc, message: error.message, unexpected: false });
  });

  it('keeps the validation message of a 400 from the framework', () => {
    expect(mapError(new BadRequestException(['name must be a string', 'kind is invalid']))).toMatchObject({ httpStatus: 400, message: 'name must be a string; kind is invalid', grpcStatus: GrpcStatus.INVALID_ARGUMENT });
    expect(mapError(new NotFoundException('Cannot GET /x'))).toMatchObject({ httpStatus: 404, message: 'Cannot GET /x' });
  });

  it('passes a 503 through with its details (the health report) and does not call it unexpected', () => {
    expect(mapError(new ServiceUnavailableException({ status: 'error', details: { database: { status: 'down' } } }))).toMatchObject({ httpStatus: 503, unexpected: false, details: { status: 'error' } });
  });

  it.each([
    ['22021', /UTF-8 without NUL/],
    ['22P02', /wrong format/],
    ['22001', /longer than allowed/],
  ])('answers PostgreSQL data exception %s as the caller\'s mistake', (code, message) => {
    expect(mapError(queryFailed(code))).toMatchObject({ httpStatus: 400, grpcStatus: GrpcStatus.INVALID_ARGUMENT, message: expect.stringMatching(message), unexpected: false });
  });

  it.each([
    [413, 'entity.too.large', 'The request body is too large'],
    [400, 'entity.parse.failed', 'The request body is not valid JSON'],
  ])('answers the body parser\'s %i (%s) as the client error it is', (status, type, message) => {
    const error = Object.assign(new Error('raw'), { status, statusCode: status, expose: true, type });
    expect(mapError(error)).toMatchObject({ httpStatus: status, message, unexpected: false });
  });

  it('answers a lost database connection with 503 / UNAVAILABLE', () => {
    expect(mapError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toMatchObject({ httpStatus: 503, grpcStatus: GrpcStatus.UNAVAILABLE, code: 'database_unavailable' });
  });

  it('caps long messages so a quoted input cannot overflow gRPC trailers', () => {
    const mapped = mapError(new ValidationError(`id must be a UUID (got "${'x'.repeat(200_000)}")`));
    expect(mapped.message.length).toBeLessThanOrEqual(512);
    expect(mapped.message).toMatch(/^id must be a UUID \(got "x+\.\.\. \(truncated\)$/);
  });

  it('hides anything unknown behind a generic 500 / INTERNAL and flags it for the log', () => {
    expect(mapError(new TypeError('cannot read x of undefined'))).toEqual({ httpStatus: 500, grpcStatus: GrpcStatus.INTERNAL, message: 'Internal server error', code: 'internal', unexpected: true });
    expect(mapError(queryFailed('42P01'))).toMatchObject({ httpStatus: 500, unexpected: true });
  });
});
