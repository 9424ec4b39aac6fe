/**
 * Where the local cloud's checkpoints live, and what they are of: one place
 * for the periodic checkpointer and for `awf audit`, so both extend and read
 * the same series.
 *
 * - the signing key: `<state folder>/checkpoint-key.pem` (Ed25519), its
 *   public half beside it, `checkpoint-key.pub.pem` (what auditors are given);
 * - the checkpoints: `<state folder>/checkpoints/<sequence>.json`;
 * - the origin: the lineage table's name, so a checkpoint of one table cannot
 *   pass for another's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_PUBLIC_KEY_FILE } from '../../adapters/ed25519-checkpoint-signer.js';
import { FolderCheckpointStore } from '../../adapters/folder-checkpoint-store.js';
import { AwfError } from '../../core/errors.js';

/** The checkpoints' folder under the state folder. */
export const CHECKPOINTS_DIR = 'checkpoints';

/** The origin of the checkpoints of a local lineage table. */
export function localCheckpointOrigin(lineageTable: string): string {
  return `awf-local:${lineageTable}`;
}

/** The checkpoint store of a state folder. */
export function localCheckpointStore(stateDir: string): FolderCheckpointStore {
  return new FolderCheckpointStore(join(stateDir, CHECKPOINTS_DIR));
}

/** Where the public checkpoint key of a state folder is. */
export function localCheckpointKeyFile(stateDir: string): string {
  return join(stateDir, CHECKPOINT_PUBLIC_KEY_FILE);
}

/**
 * The public checkpoint key (SPKI PEM) of a state folder.
 * @throws AwfError when there is none yet: the local cloud makes it at its first checkpoint.
 */
export function readLocalCheckpointKey(stateDir: string): string {
  const file = localCheckpointKeyFile(stateDir);
  if (!existsSync(file)) {
    throw new AwfError(
      `no checkpoint key in ${stateDir} (${file} is missing): the local cloud makes it at its first checkpoint ("npm start", or "npx awf audit checkpoint" while it runs)`,
    );
  }
  return readFileSync(file, 'utf8');
}
