import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { UnimplementedError } from '../common/errors';

/**
 * RPCs of the contract whose module has not landed yet. They are registered (rather than left to
 * grpc-js's own UNIMPLEMENTED) so the token check runs on every call: an unauthenticated caller
 * learns nothing, an authenticated one gets UNIMPLEMENTED naming the method. A module that
 * implements a service removes it from this list.
 */
const PENDING: Record<string, string[]> = {
  AuthService: ['GetAuthInfo', 'HandleCallback', 'RedeemAuthResult'],
  MfaService: ['StartMfa', 'GetMfaStatus'],
};

@Controller()
export class UnimplementedGrpcController {}

for (const [service, methods] of Object.entries(PENDING)) {
  for (const method of methods) {
    const key = `${service}_${method}`;
    const descriptor: PropertyDescriptor = {
      value: function unimplemented(): never {
        throw new UnimplementedError(`${service}.${method} is not implemented yet`);
      },
      writable: true,
      configurable: true,
    };
    Object.defineProperty(UnimplementedGrpcController.prototype, key, descriptor);
    GrpcMethod(service, method)(UnimplementedGrpcController.prototype, key, descriptor);
  }
}
