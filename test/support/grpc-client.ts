import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { IDENTITY_PROTO_FILES, PROTO_LOADER_OPTIONS, PROTO_ROOT } from '../../src/grpc/proto-files';

const definition = protoLoader.loadSync(
  IDENTITY_PROTO_FILES.map((file) => path.join(PROTO_ROOT, file)),
  PROTO_LOADER_OPTIONS,
);
const identity = (grpc.loadPackageDefinition(definition) as any).defguard.identity.v1;

export type ServiceName = 'UserService' | 'AuthService' | 'MfaService' | 'DirectorySyncService' | 'ProviderService';

export interface GrpcTestClient {
  /** Calls a unary method and resolves with the response or rejects with the ServiceError. */
  call<T = any>(method: string, request?: object, options?: { deadlineMs?: number }): Promise<T>;
  /** Opens a server stream. */
  stream(method: string, request?: object): grpc.ClientReadableStream<any>;
  raw: grpc.Client;
  close(): void;
}

/** A client of one service, sending `authorization: Bearer <token>` unless token is null. */
export function grpcClient(service: ServiceName, address: string, token: string | null): GrpcTestClient {
  const Client = identity[service] as typeof grpc.Client;
  const client = new Client(address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
  const metadata = () => {
    const m = new grpc.Metadata();
    if (token !== null) m.set('authorization', `Bearer ${token}`);
    return m;
  };
  return {
    call: (method, request = {}, options = {}) =>
      new Promise((resolve, reject) => {
        client[method](request, metadata(), { deadline: Date.now() + (options.deadlineMs ?? 10_000) }, (error: grpc.ServiceError | null, response: unknown) =>
          error ? reject(error) : resolve(response as any),
        );
      }),
    stream: (method, request = {}) => client[method](request, metadata()),
    raw: client,
    close: () => client.close(),
  };
}

export { grpc };
