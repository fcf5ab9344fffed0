import fs from 'node:fs';
import path from 'node:path';
import { ServerCredentials, ServerInterceptor } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { GrpcOptions, Transport } from '@nestjs/microservices';
import { AppConfig } from '../config/app-config';
import { IDENTITY_PROTO_FILES, IDENTITY_PROTO_PACKAGE, PROTO_LOADER_OPTIONS, PROTO_ROOT } from './proto-files';

/** The gRPC server core talks to: every identity service, reflection on, optional TLS. */
export function grpcServerOptions(config: AppConfig, interceptors: ServerInterceptor[] = []): GrpcOptions {
  return {
    transport: Transport.GRPC,
    options: {
      package: IDENTITY_PROTO_PACKAGE,
      protoPath: IDENTITY_PROTO_FILES.map((file) => path.join(PROTO_ROOT, file)),
      url: `${config.bindAddress}:${config.grpcPort}`,
      loader: PROTO_LOADER_OPTIONS,
      // Passed to the grpc-js Server constructor.
      channelOptions: { interceptors } as Record<string, unknown>,
      credentials: config.grpcTls
        ? ServerCredentials.createSsl(null, [{ cert_chain: fs.readFileSync(config.grpcTls.certFile), private_key: fs.readFileSync(config.grpcTls.keyFile) }], false)
        : ServerCredentials.createInsecure(),
      // Finish in-flight calls on shutdown instead of cutting them (tryShutdown).
      gracefulShutdown: true,
      onLoadPackageDefinition: (definition, server) => new ReflectionService(definition).addToServer(server),
    },
  };
}
