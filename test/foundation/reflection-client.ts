import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const protoFile = path.join(path.dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto/grpc/reflection/v1/reflection.proto');

/** What grpcurl does for `list`: asks the server's reflection service for its services. */
export class ReflectionClient {
  private readonly client: grpc.Client & Record<string, Function>;

  constructor(address: string) {
    const definition = grpc.loadPackageDefinition(protoLoader.loadSync(protoFile, { keepCase: true })) as any;
    this.client = new definition.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
  }

  listServices(): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const call = this.client.ServerReflectionInfo();
      call.on('data', (response: { list_services_response?: { service: { name: string }[] } }) => {
        resolve(response.list_services_response?.service.map((s) => s.name) ?? []);
        call.end();
      });
      call.on('error', reject);
      call.write({ list_services: '' });
    }).finally(() => this.client.close()) as Promise<string[]>;
  }
}
