/**
 * The KMS keys of the synthesized stacks, as the local KMS knows them: every
 * `AWS::KMS::Key` (its id, ARN, spec and usage) and the `AWS::KMS::Alias`es
 * that name them, so a `KeyId` given as key id, key ARN, alias name or alias
 * ARN finds its key, as in KMS.
 */
import { DEFAULT_LOCAL_ACCOUNT, DEFAULT_LOCAL_REGION, type LocalTemplate } from '../template/index.js';

/** One key of the template. */
export interface LocalKmsKey {
  /** The key id (a UUID), what `Ref` of the key gives. */
  readonly keyId: string;
  /** What `Fn::GetAtt <key>.Arn` gives. */
  readonly arn: string;
  /** `KeySpec`, `SYMMETRIC_DEFAULT` when the template sets none. */
  readonly keySpec: string;
  /** `KeyUsage`, `ENCRYPT_DECRYPT` when the template sets none. */
  readonly keyUsage: string;
  /** `Enabled`, true when the template sets none. */
  readonly enabled: boolean;
  /** The template's construct path or logical id, for messages. */
  readonly description: string;
}

/** One alias of the template. */
export interface LocalKmsAlias {
  /** `alias/<name>`. */
  readonly aliasName: string;
  readonly arn: string;
  /** The key id or ARN the alias points at. */
  readonly targetKeyId: string;
}

/** What the local KMS serves. */
export interface LocalKmsConfig {
  readonly region: string;
  readonly accountId: string;
  readonly keys: readonly LocalKmsKey[];
  readonly aliases?: readonly LocalKmsAlias[];
}

/** The key specs the local KMS computes MACs with. */
export const HMAC_KEY_SPECS = ['HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512'] as const;

/** Whether a key spec is one of KMS's HMAC key specs. */
export function isHmacKeySpec(keySpec: string): boolean {
  return (HMAC_KEY_SPECS as readonly string[]).includes(keySpec);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

/**
 * The keys and aliases of every stack of the template, for the local KMS.
 * Region and account are the first key's stack's (the stacks of one app share them).
 */
export function kmsFromTemplate(template: LocalTemplate): LocalKmsConfig {
  const keys = template.resourcesOfType('AWS::KMS::Key').map((resource): LocalKmsKey => {
    const properties = template.resolvedProperties(resource);
    const path = resource.metadata['aws:cdk:path'];
    return {
      keyId: template.physicalName(resource.logicalId, resource.stackName),
      arn: template.arnOf(resource.logicalId, resource.stackName),
      keySpec: stringOr(properties.KeySpec, 'SYMMETRIC_DEFAULT'),
      keyUsage: stringOr(properties.KeyUsage, 'ENCRYPT_DECRYPT'),
      enabled: properties.Enabled !== false && properties.Enabled !== 'false',
      description: typeof path === 'string' ? path : `${resource.stackName}/${resource.logicalId}`,
    };
  });
  const aliases = template.resourcesOfType('AWS::KMS::Alias').map((resource): LocalKmsAlias => {
    const properties = template.resolvedProperties(resource);
    return {
      aliasName: template.physicalName(resource.logicalId, resource.stackName),
      arn: template.arnOf(resource.logicalId, resource.stackName),
      targetKeyId: stringOr(properties.TargetKeyId, ''),
    };
  });
  const [first] = template.stacks;
  return {
    region: first?.region ?? DEFAULT_LOCAL_REGION,
    accountId: first?.account ?? DEFAULT_LOCAL_ACCOUNT,
    keys,
    aliases,
  };
}
