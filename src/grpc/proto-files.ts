import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Options } from '@grpc/proto-loader';

/** The gRPC package of every Defguard Identity service. */
export const IDENTITY_PROTO_PACKAGE = 'defguard.identity.v1';

/** The contract files, relative to PROTO_ROOT (imports are resolved from there too). */
export const IDENTITY_PROTO_FILES: readonly string[] = [
  'defguard/identity/v1/common.proto',
  'defguard/identity/v1/user.proto',
  'defguard/identity/v1/auth.proto',
  'defguard/identity/v1/mfa.proto',
  'defguard/identity/v1/directory_sync.proto',
  'defguard/identity/v1/provider.proto',
];

/**
 * Finds the `proto` folder: `dist/proto` after `nest build` (which copies proto/** there, and
 * this file runs from dist/grpc), else the repository's `proto` (this file runs from src/grpc
 * under ts-jest or ts-node).
 */
function resolveProtoRoot(here: string): string {
  const candidates = [resolve(here, '..', 'proto'), resolve(here, '..', '..', 'proto')];
  const found = candidates.find((dir) => existsSync(join(dir, IDENTITY_PROTO_FILES[0])));
  if (!found) {
    throw new Error(`gRPC contract files not found; looked in ${candidates.join(' and ')}`);
  }
  return found;
}

/** Absolute path of the folder that holds `defguard/identity/v1/*.proto`. */
export const PROTO_ROOT: string = resolveProtoRoot(__dirname);

/** @grpc/proto-loader options shared by the server, reflection and the tests. */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};
