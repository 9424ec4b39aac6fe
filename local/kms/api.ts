/**
 * The KMS API operations the local endpoint serves (`TrentService.GenerateMac`,
 * `VerifyMac`, `Encrypt`, `Decrypt`), in AWS's JSON 1.1 shapes, so the real
 * `@aws-sdk/client-kms` works against it. Blobs travel as base64.
 */
import * as z from 'zod';
import { AwsServiceError, type JsonOperation, parseRequest } from '../http/json-protocol.js';
import type { LocalKms } from './engine.js';

const macRequest = z.object({
  KeyId: z.string().optional(),
  Message: z.string().optional(),
  MacAlgorithm: z.string().optional(),
  GrantTokens: z.array(z.string()).max(10).optional(),
  DryRun: z.boolean().optional(),
});

const verifyMacRequest = macRequest.extend({ Mac: z.string().optional() });

const encryptionContext = z.record(z.string(), z.string()).optional();

const encryptRequest = z.object({
  KeyId: z.string().optional(),
  Plaintext: z.string().optional(),
  EncryptionContext: encryptionContext,
  EncryptionAlgorithm: z.string().optional(),
  GrantTokens: z.array(z.string()).max(10).optional(),
  DryRun: z.boolean().optional(),
});

const decryptRequest = z.object({
  KeyId: z.string().optional(),
  CiphertextBlob: z.string().optional(),
  EncryptionContext: encryptionContext,
  EncryptionAlgorithm: z.string().optional(),
  GrantTokens: z.array(z.string()).max(10).optional(),
  DryRun: z.boolean().optional(),
});

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A blob member, decoded. @throws AwsServiceError `SerializationException` when it is not base64. */
function blob(field: string, value: string | undefined): Buffer | undefined {
  if (value === undefined) return undefined;
  if (!BASE64.test(value)) {
    throw new AwsServiceError('SerializationException', `${field} is not a base64-encoded blob`);
  }
  return Buffer.from(value, 'base64');
}

/** The operations of the local KMS endpoint, by `TrentService.<Operation>` name. */
export function kmsOperations(kms: LocalKms): Record<string, JsonOperation> {
  return {
    GenerateMac: (input) => {
      const request = parseRequest(macRequest, input);
      const result = kms.generateMac({
        keyId: request.KeyId,
        message: blob('Message', request.Message),
        macAlgorithm: request.MacAlgorithm,
        dryRun: request.DryRun,
      });
      return { ...result, Mac: result.Mac.toString('base64') };
    },
    VerifyMac: (input) => {
      const request = parseRequest(verifyMacRequest, input);
      return kms.verifyMac({
        keyId: request.KeyId,
        message: blob('Message', request.Message),
        macAlgorithm: request.MacAlgorithm,
        mac: blob('Mac', request.Mac),
        dryRun: request.DryRun,
      });
    },
    Encrypt: (input) => {
      const request = parseRequest(encryptRequest, input);
      const result = kms.encrypt({
        keyId: request.KeyId,
        plaintext: blob('Plaintext', request.Plaintext),
        encryptionContext: request.EncryptionContext,
        encryptionAlgorithm: request.EncryptionAlgorithm,
        dryRun: request.DryRun,
      });
      return { ...result, CiphertextBlob: result.CiphertextBlob.toString('base64') };
    },
    Decrypt: (input) => {
      const request = parseRequest(decryptRequest, input);
      const result = kms.decrypt({
        keyId: request.KeyId,
        ciphertextBlob: blob('CiphertextBlob', request.CiphertextBlob),
        encryptionContext: request.EncryptionContext,
        encryptionAlgorithm: request.EncryptionAlgorithm,
        dryRun: request.DryRun,
      });
      return { ...result, Plaintext: result.Plaintext.toString('base64') };
    },
  };
}
