/**
 * The secret material of the local KMS's HMAC and symmetric encryption keys:
 * generated once per key and
 * kept in `<stateDir>/kms/hmac-keys.json` (folder 0700, file 0600), so keyed
 * hashes stored in DynamoDB Local stay comparable across restarts of the local
 * cloud. Without a folder (an in-memory cloud) the material lives as long as
 * the process, like the tables.
 *
 * The file is this machine's stand-in for key material KMS never lets out:
 * treat it as a secret, and delete it to start over with new keys (every
 * stored hash then stops matching, as with a new KMS key).
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { AwfError } from '../../core/errors.js';

/** The file of key material under a state folder's `kms/`. */
export const KEY_MATERIAL_FILE = 'hmac-keys.json';

/** Bytes of material per key spec (the spec's bit length, as KMS generates them; AES-256 for symmetric keys). */
const MATERIAL_BYTES: Readonly<Record<string, number>> = {
  SYMMETRIC_DEFAULT: 32,
  HMAC_224: 28,
  HMAC_256: 32,
  HMAC_384: 48,
  HMAC_512: 64,
};

const materialFileSchema = z.object({
  version: z.literal(1),
  /** Key ARN -> its spec and base64 material. */
  keys: z.record(z.string(), z.object({ keySpec: z.string(), material: z.string().min(1) })),
});

type MaterialFile = z.infer<typeof materialFileSchema>;

/** The key material file is unreadable or malformed; the message names it and what to do. */
export class KeyMaterialError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyMaterialError';
  }
}

/** A key that needs material (HMAC or symmetric): its ARN and spec. */
export interface HmacKeyRef {
  readonly arn: string;
  readonly keySpec: string;
}

/** Path of the key material file under a state folder. */
export function keyMaterialPath(stateDir: string): string {
  return join(stateDir, 'kms', KEY_MATERIAL_FILE);
}

function generate(key: HmacKeyRef): Buffer {
  const bytes = MATERIAL_BYTES[key.keySpec];
  if (bytes === undefined) throw new AwfError(`no key material size for key spec ${key.keySpec}`);
  return randomBytes(bytes);
}

function readMaterialFile(file: string): MaterialFile | undefined {
  if (!existsSync(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KeyMaterialError(`cannot read the local KMS key material ${file}: ${String(error)}`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new KeyMaterialError(
      `${file} is not JSON; delete it to generate new local keys (stored keyed hashes then stop matching)`,
      { cause: error },
    );
  }
  const parsed = materialFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new KeyMaterialError(
      `${file} is not a local KMS key material file (${z.prettifyError(parsed.error)}); delete it to generate new local keys`,
    );
  }
  // A file copied in with looser permissions is tightened: it holds secrets.
  chmodSync(file, 0o600);
  return parsed.data;
}

function toMaterial(file: MaterialFile | undefined): Map<string, Buffer> {
  return new Map(
    Object.entries(file?.keys ?? {}).map(([arn, entry]) => [arn, Buffer.from(entry.material, 'base64')]),
  );
}

/**
 * The material of each given key, by key ARN: read from `stateDir` where
 * it was kept, generated (and kept) for keys that have none yet or whose spec
 * changed. Material of keys the template no longer has is kept, so a key that
 * comes back finds its hashes again.
 *
 * @param stateDir the local cloud's state folder; undefined keeps the material in memory only.
 * @throws KeyMaterialError when the file exists but cannot be read or parsed.
 */
export function loadKeyMaterial(keys: readonly HmacKeyRef[], stateDir?: string): Map<string, Buffer> {
  if (stateDir === undefined) return new Map(keys.map((key) => [key.arn, generate(key)]));
  const file = keyMaterialPath(stateDir);
  const folder = join(stateDir, 'kms');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  chmodSync(folder, 0o700);
  // Two clouds starting at once on one folder must agree: the first file to
  // land wins (a hard link fails when the file exists), the other reads it.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const existing = readMaterialFile(file);
    const missing = keys.filter((key) => existing?.keys[key.arn]?.keySpec !== key.keySpec);
    if (missing.length === 0) return toMaterial(existing);
    const next: MaterialFile = {
      version: 1,
      keys: {
        ...existing?.keys,
        ...Object.fromEntries(
          missing.map((key) => [
            key.arn,
            { keySpec: key.keySpec, material: generate(key).toString('base64') },
          ]),
        ),
      },
    };
    const temporary = `${file}.${process.pid}.${attempt}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    if (existing !== undefined) {
      renameSync(temporary, file);
      return toMaterial(next);
    }
    try {
      linkSync(temporary, file);
      return toMaterial(next);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(temporary, { force: true });
    }
  }
  throw new KeyMaterialError(
    `${file} kept changing while the local KMS read it; start the local cloud again`,
  );
}
