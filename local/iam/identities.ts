/**
 * The local cloud's principals: `.awf/identities.json`, the stand-in for IAM
 * users who assume a workflow's approver role.
 *
 * Each identity is one person's session of one approver role: an access key
 * and secret that sign requests (`awf approvals ... --as <person>`), and the
 * ARN the local function URLs assert for them, the session of that role named
 * after the person, as the role's trust policy demands in AWS. The file is
 * written when the local cloud starts, for the people of the approver
 * directories, the people the packs' example events name, and any principal
 * asked for (`awf local up --principal mallory@acme.example`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { assumedRoleArn, CALLER_KINDS, type CallerKind } from '../../core/approval/caller.js';
import { principalKey } from '../../core/approval/separation-of-duties.js';
import { AwfError } from '../../core/errors.js';

const identitySchema = z.object({
  principal: z.string(),
  workflowId: z.string(),
  roleArn: z.string(),
  /** Which endpoint the role's sessions may call: the approvals endpoint or the operations endpoint. */
  kind: z.enum(CALLER_KINDS as [CallerKind, ...CallerKind[]]).default('approver'),
  arn: z.string(),
  accessKeyId: z.string(),
  secretAccessKey: z.string(),
});

/** One person's session of one workflow's approver or operator role. */
export type LocalIdentity = z.infer<typeof identitySchema>;

const identitiesFileSchema = z.object({ identities: z.array(identitySchema) });

/** Path of the identity file under a state folder. */
export function identitiesPath(stateDir: string): string {
  return join(stateDir, 'identities.json');
}

/** A local identity is missing or the file is unreadable; the message says which exist. */
export class LocalIdentityError extends AwfError {
  constructor(message: string) {
    super(message);
    this.name = 'LocalIdentityError';
  }
}

/** A new identity: `principal`'s session of `roleArn`, with fresh credentials. */
export function mintIdentity(
  principal: string,
  workflowId: string,
  roleArn: string,
  kind: CallerKind = 'approver',
): LocalIdentity {
  return {
    principal,
    workflowId,
    roleArn,
    kind,
    arn: assumedRoleArn(roleArn, principal),
    accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
}

/** Writes the identity file (readable by its owner only: it holds secrets). */
export function writeLocalIdentities(stateDir: string, identities: readonly LocalIdentity[]): void {
  writeFileSync(identitiesPath(stateDir), `${JSON.stringify({ identities }, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Reads the identity file.
 * @throws LocalIdentityError when it is missing or malformed.
 */
export function readLocalIdentities(stateDir: string): LocalIdentity[] {
  const path = identitiesPath(stateDir);
  if (!existsSync(path)) {
    throw new LocalIdentityError(`no local identities (${path}); start the local cloud with "npm start"`);
  }
  const parsed = identitiesFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success)
    throw new LocalIdentityError(`${path} is not a local identity file: ${parsed.error.message}`);
  return parsed.data.identities;
}

/**
 * The identity `principal` signs with for `workflowId`.
 * @throws LocalIdentityError naming the principals that exist when there is none.
 */
export function localIdentityFor(
  identities: readonly LocalIdentity[],
  principal: string,
  workflowId: string,
  kind: CallerKind = 'approver',
): LocalIdentity {
  const ofKind = identities.filter(
    (identity) => identity.workflowId === workflowId && identity.kind === kind,
  );
  const found = ofKind.find((identity) => principalKey(identity.principal) === principalKey(principal));
  if (found) return found;
  const known = [...new Set(ofKind.map((i) => i.principal))].sort();
  throw new LocalIdentityError(
    `no local ${kind} identity "${principal}" for workflow ${workflowId}; the local ${kind}s are ${known.join(', ') || 'none'} (start the local cloud with --principal ${principal} to add one)`,
  );
}
