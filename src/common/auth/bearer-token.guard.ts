import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Metadata } from '@grpc/grpc-js';
import type { Request } from 'express';
import { AppConfig } from '../../config/app-config';
import { UnauthenticatedError } from '../errors';
import { constantTimeEquals, parseBearer } from './constant-time';
import { IS_PUBLIC } from './public.decorator';

/**
 * Deny by default: every REST route needs `Authorization: Bearer <ADMIN_TOKEN>` unless marked
 * @Public(), and every gRPC call needs `authorization: Bearer <CORE_GRPC_TOKEN>` metadata.
 */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() === 'rpc') {
      const metadata = context.switchToRpc().getContext<Metadata>();
      const presented = parseBearer(metadata?.get?.('authorization')?.[0]);
      if (!presented || !constantTimeEquals(presented, this.config.coreGrpcToken)) {
        throw new UnauthenticatedError('gRPC calls need "authorization: Bearer <CORE_GRPC_TOKEN>" metadata');
      }
      return true;
    }
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const presented = parseBearer(request.headers.authorization);
    if (!presented || !constantTimeEquals(presented, this.config.adminToken)) {
      throw new UnauthenticatedError('This endpoint needs "Authorization: Bearer <ADMIN_TOKEN>"');
    }
    return true;
  }
}
