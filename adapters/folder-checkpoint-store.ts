/**
 * CheckpointStore on a folder: one file per checkpoint,
 * `<sequence, 12 digits>.json`, holding `{ signed, leaves }`.
 *
 * The local cloud's store (`<state folder>/checkpoints/`), and the layout an
 * auditor copies a checkpoint bucket into to verify offline. A file is
 * written to a name of its own and hard-linked into place, which fails when
 * the name is taken: a reader never sees half a checkpoint, and a checkpoint
 * once stored is never overwritten by this store.
 */
import { randomUUID } from 'node:crypto';
import { link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SignedCheckpoint } from '../core/lineage/checkpoint.js';
import type { CheckpointLeaf } from '../core/lineage/checkpoint-leaf.js';
import {
  CheckpointConflictError,
  type CheckpointStore,
  type StoredCheckpoint,
} from '../core/lineage/checkpoint-store.js';

/** Digits of the sequence number in a file name: sorted by name, files are in sequence order. */
const SEQUENCE_DIGITS = 12;
const FILE_NAME = /^(\d{12})\.json$/;

/** The file name of checkpoint `sequence`. */
export function checkpointFileName(sequence: number): string {
  return `${String(sequence).padStart(SEQUENCE_DIGITS, '0')}.json`;
}

/**
 * What a file holds, as evidence. A file that is not JSON, or not an object,
 * is handed on as a value the verifier reports as malformed, naming the file.
 */
function evidenceOf(file: string, text: string): StoredCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { signed: { unreadable: `${file} is not JSON: ${(error as Error).message}` } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { signed: { unreadable: `${file} holds ${JSON.stringify(value)?.slice(0, 40)}, not an object` } };
  }
  const { signed, leaves } = value as { signed?: unknown; leaves?: unknown };
  return { signed, ...(Array.isArray(leaves) && { leaves }) };
}

/** The checkpoints of one folder. */
export class FolderCheckpointStore implements CheckpointStore {
  readonly #dir: string;

  /** @param dir the folder; made on the first put. */
  constructor(dir: string) {
    this.#dir = dir;
  }

  /** The folder the checkpoints are in. */
  get dir(): string {
    return this.#dir;
  }

  async #files(): Promise<string[]> {
    try {
      return (await readdir(this.#dir)).filter((name) => FILE_NAME.test(name)).sort();
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return [];
      throw error;
    }
  }

  async #read(file: string): Promise<StoredCheckpoint> {
    return evidenceOf(file, await readFile(join(this.#dir, file), 'utf8'));
  }

  async latest(): Promise<StoredCheckpoint | undefined> {
    const last = (await this.#files()).at(-1);
    return last === undefined ? undefined : this.#read(last);
  }

  async list(): Promise<readonly StoredCheckpoint[]> {
    return Promise.all((await this.#files()).map((file) => this.#read(file)));
  }

  async put(signed: SignedCheckpoint, leaves: readonly CheckpointLeaf[]): Promise<void> {
    const { sequence } = signed.checkpoint;
    await mkdir(this.#dir, { recursive: true });
    const path = join(this.#dir, checkpointFileName(sequence));
    const staging = `${path}.${randomUUID()}.tmp`;
    await writeFile(staging, `${JSON.stringify({ signed, leaves })}\n`, { flag: 'wx' });
    try {
      await link(staging, path);
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST') {
        throw new CheckpointConflictError(`checkpoint ${sequence} is already stored in ${this.#dir}`, {
          cause: error,
        });
      }
      throw error;
    } finally {
      await rm(staging, { force: true });
    }
  }
}
