import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** Who made a change, as recorded in audit_events. */
export interface AuditActor {
  /** The channel: `admin-api` (REST, admin token) or `core-grpc` (core's token). */
  actor: 'admin-api' | 'core-grpc';
  /** The token's identity: there is one admin token, so it is always `admin` for REST. */
  identity: string;
  remoteAddress?: string;
}

export const CORE_GRPC_ACTOR: AuditActor = { actor: 'core-grpc', identity: 'core' };

/** The admin behind a REST request; the global guard has already checked the token. */
export const AdminActor = createParamDecorator((_data: unknown, context: ExecutionContext): AuditActor => {
  const request = context.switchToHttp().getRequest<Request>();
  return { actor: 'admin-api', identity: 'admin', remoteAddress: request.socket?.remoteAddress };
});
