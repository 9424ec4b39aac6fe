/**
 * The checkpoints an `awf audit` command verifies against, and the public
 * keys it trusts:
 *
 * - locally, the local cloud's (its state folder);
 * - in AWS, the data stack's checkpoint bucket and the public half of its
 *   signing key (`kms:GetPublicKey`, read once per command);
 * - or a folder and key files the auditor names (`--checkpoints`, `--key`),
 *   such as a copy of the bucket and the key published for it: offline.
 */
import { readFileSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { FolderCheckpointStore } from '../adapters/folder-checkpoint-store.js';
import { KmsCheckpointSigner } from '../adapters/kms-checkpoint-signer.js';
import { S3CheckpointStore } from '../adapters/s3-checkpoint-store.js';
import { AwfError } from '../core/errors.js';
import type { CheckpointStore } from '../core/lineage/checkpoint-store.js';
import {
  localCheckpointOrigin,
  localCheckpointStore,
  readLocalCheckpointKey,
} from '../local/lineage/checkpointing.js';
import { LOCAL_STATE_DIR } from '../local/process/state-file.js';
import type { Target } from './target.js';

/** Options naming where the checkpoints and keys are. */
export interface CheckpointSourceOptions {
  readonly aws?: boolean;
  readonly stateDir?: string;
  /** A folder of checkpoint files (`<sequence>.json`). */
  readonly checkpoints?: string;
  /** Files holding trusted public keys (SPKI PEM). */
  readonly key?: readonly string[] | string;
}

/** Where the checkpoints are, which keys are trusted, and the origin they must be of (when known). */
export interface CheckpointSource {
  readonly store: CheckpointStore;
  readonly publicKeys: readonly string[];
  readonly origin?: string;
}

/**
 * Reads the public keys in the files named.
 * @throws AwfError naming a file that cannot be read.
 */
export function readKeyFiles(files: readonly string[]): string[] {
  return files.map((file) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new AwfError(`cannot read the public key file ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  });
}

function keyFiles(options: CheckpointSourceOptions): string[] {
  if (options.key === undefined) return [];
  return typeof options.key === 'string' ? [options.key] : [...options.key];
}

/** Whether the trusted keys must come from the deployed stack (with `--aws` and no `--key`). */
export function needsStackKey(options: CheckpointSourceOptions): boolean {
  return options.aws === true && keyFiles(options).length === 0;
}

/**
 * The trusted public keys: the files of `--key`; else, with `--aws`, the
 * stack's checkpoint key (`target` needed); else the local cloud's key.
 *
 * @throws AwfError when none can be found.
 */
export async function trustedKeys(options: CheckpointSourceOptions, target?: Target): Promise<string[]> {
  const files = keyFiles(options);
  if (files.length > 0) return readKeyFiles(files);
  if (options.aws) {
    const keyArn = target?.checkpoints?.keyArn;
    if (target === undefined || keyArn === undefined) {
      throw new AwfError(
        'the data stack names no checkpoint key (output CheckpointKeyArn): name the public key with --key <PEM file>',
      );
    }
    return [await new KmsCheckpointSigner({ client: target.clients.kms, keyId: keyArn }).publicKeyPem()];
  }
  return [readLocalCheckpointKey(options.stateDir ?? LOCAL_STATE_DIR)];
}

/**
 * The checkpoints and keys a command verifies against.
 * @throws AwfError when the stack names no checkpoint bucket and no `--checkpoints` folder is given.
 */
export async function checkpointSource(
  options: CheckpointSourceOptions,
  target: Target,
): Promise<CheckpointSource> {
  const aws = target.kind === 'aws';
  const publicKeys = await trustedKeys({ ...options, aws }, target);
  if (options.checkpoints !== undefined) {
    return { store: new FolderCheckpointStore(options.checkpoints), publicKeys };
  }
  if (aws) {
    const bucketName = target.checkpoints?.bucketName;
    if (bucketName === undefined) {
      throw new AwfError(
        'the data stack names no checkpoint bucket (output CheckpointBucketName): copy the checkpoints to a folder and name it with --checkpoints <folder> --key <PEM file>',
      );
    }
    return {
      store: new S3CheckpointStore({ client: new S3Client({ region: target.region }), bucketName }),
      publicKeys,
    };
  }
  const stateDir = target.stateDir ?? options.stateDir ?? LOCAL_STATE_DIR;
  return {
    store: localCheckpointStore(stateDir),
    publicKeys,
    origin: localCheckpointOrigin(target.lineageTable),
  };
}
