/**
 * The local KMS: the template's HMAC keys behind a KMS-compatible endpoint
 * (`GenerateMac`, `VerifyMac`), their material kept in the state folder
 * (`key-material.ts`) so keyed hashes survive restarts.
 */
import { startJsonProtocolServer } from '../http/json-protocol.js';
import type { LocalService } from '../ports.js';
import { kmsOperations } from './api.js';
import { LocalKms } from './engine.js';
import type { LocalKmsConfig } from './keys.js';

export { LOCAL_MAC_ALGORITHM, LocalKms, MAC_MESSAGE_BYTES } from './engine.js';
export { KeyMaterialError, keyMaterialPath, loadKeyMaterial } from './key-material.js';
export {
  HMAC_KEY_SPECS,
  kmsFromTemplate,
  type LocalKmsAlias,
  type LocalKmsConfig,
  type LocalKmsKey,
} from './keys.js';

/** How to start the local KMS endpoint. */
export interface LocalKmsServiceOptions extends LocalKmsConfig {
  /**
   * The local cloud's state folder: HMAC key material is kept in its `kms/`.
   * @default - material in memory, new on every start
   */
  readonly stateDir?: string;
  /**
   * TCP port on 127.0.0.1.
   * @default 0 - any free port; read it from `endpoint`
   */
  readonly port?: number;
  /**
   * Called with unexpected errors behind `InternalFailure` responses (bugs).
   * @default - written to stderr
   */
  readonly onInternalError?: (error: unknown, operation: string) => void;
}

/** The running local KMS. */
export interface LocalKmsService extends LocalService {
  readonly port: number;
  readonly kms: LocalKms;
}

/**
 * Starts the local KMS on 127.0.0.1. Point the SDK at `endpoint` (or set `AWS_ENDPOINT_URL_KMS`).
 *
 * @throws KeyMaterialError when the kept key material cannot be read.
 * @example
 * const kms = await startLocalKms({ ...kmsFromTemplate(template), stateDir: '.awf' });
 * await kms.stop();
 */
export async function startLocalKms(options: LocalKmsServiceOptions): Promise<LocalKmsService> {
  const kms = new LocalKms(options, options.stateDir);
  const server = await startJsonProtocolServer({
    name: 'kms',
    targetPrefix: 'TrentService',
    jsonVersion: '1.1',
    operations: kmsOperations(kms),
    port: options.port,
    onInternalError: options.onInternalError,
  });
  return { name: 'kms', endpoint: server.endpoint, port: server.port, kms, stop: () => server.stop() };
}
