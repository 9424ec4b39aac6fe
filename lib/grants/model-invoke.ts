/**
 * `bedrock:InvokeModel` on exactly the configured models: the one grant CDK lacks.
 *
 * Converse authorizes as `bedrock:InvokeModel`. A workflow names either a
 * foundation model (`anthropic.claude-...`) or a cross-Region inference
 * profile (`us.anthropic.claude-...`). A profile call is authorized against the
 * profile in the caller's region *and* the foundation model in whichever
 * region Bedrock routes it to, so the grant lists the profile plus the model in
 * each destination region of the profile's geography. A global profile
 * routes anywhere; AWS authorizes that leg against the region-less model ARN.
 */
import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { InfrastructurePropsError } from '../errors.js';

/**
 * Destination regions of the geographic inference profiles, as documented by
 * Bedrock (a superset across models: a model routes to some of these).
 */
export const INFERENCE_PROFILE_REGIONS = {
  us: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'],
  eu: [
    'eu-central-1',
    'eu-central-2',
    'eu-north-1',
    'eu-south-1',
    'eu-south-2',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
  ],
  apac: [
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ap-south-1',
    'ap-south-2',
    'ap-southeast-1',
    'ap-southeast-2',
    'ap-southeast-3',
    'ap-southeast-4',
  ],
} as const satisfies Record<string, readonly string[]>;

/** Where a model id sends requests. */
export type ModelTarget =
  | { readonly kind: 'foundation-model'; readonly modelId: string }
  | {
      readonly kind: 'inference-profile';
      readonly profileId: string;
      readonly modelId: string;
      readonly geography: keyof typeof INFERENCE_PROFILE_REGIONS | 'global';
    };

const GEOGRAPHIES = ['us', 'eu', 'apac', 'global'] as const;

/**
 * Tells a foundation model id from an inference profile id by its prefix.
 * @param scope the construct the model is configured on; errors name its path.
 * @example
 * parseModelId('us.anthropic.claude-3-5-haiku-20241022-v1:0', this) // inference profile, geography us
 */
export function parseModelId(modelId: string, scope: IConstruct): ModelTarget {
  if (!/^[A-Za-z0-9][A-Za-z0-9.:_-]*$/.test(modelId)) {
    throw new InfrastructurePropsError(
      `model id must be a bedrock model or inference profile id such as "anthropic.claude-3-5-haiku-20241022-v1:0", got "${modelId}"`,
      scope,
    );
  }
  const dot = modelId.indexOf('.');
  const prefix = dot > 0 ? modelId.slice(0, dot) : '';
  const geography = GEOGRAPHIES.find((g) => g === prefix);
  if (geography === undefined) return { kind: 'foundation-model', modelId };
  const foundationModelId = modelId.slice(dot + 1);
  if (!foundationModelId.includes('.')) {
    throw new InfrastructurePropsError(
      `inference profile id must name a foundation model after "${prefix}.", got "${modelId}"`,
      scope,
    );
  }
  return { kind: 'inference-profile', profileId: modelId, modelId: foundationModelId, geography };
}

/** Where the grant applies. */
export interface ModelInvokeScope {
  /** The construct the model is configured on (the workflow); errors name its path. */
  readonly construct: IConstruct;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /**
   * Destination regions of a geographic inference profile.
   * @default - the documented regions of the profile's geography ({@link INFERENCE_PROFILE_REGIONS})
   */
  readonly destinationRegions?: readonly string[];
}

function foundationModelArn(partition: string, region: string, modelId: string): string {
  return `arn:${partition}:bedrock:${region}::foundation-model/${modelId}`;
}

/**
 * The ARNs `bedrock:InvokeModel` must be allowed on for a model id: the
 * foundation model in this region, or the inference profile plus the
 * foundation model in each region the profile routes to.
 *
 * @throws InfrastructurePropsError when a geographic profile cannot be called
 *   from the stack's region (an `eu.` profile from `us-east-1`).
 */
export function modelInvokeArns(modelId: string, scope: ModelInvokeScope): string[] {
  const target = parseModelId(modelId, scope.construct);
  const { partition, region, account } = scope;
  if (target.kind === 'foundation-model') return [foundationModelArn(partition, region, target.modelId)];

  const profileArn = `arn:${partition}:bedrock:${region}:${account}:inference-profile/${target.profileId}`;
  if (target.geography === 'global') {
    return [
      profileArn,
      foundationModelArn(partition, region, target.modelId),
      foundationModelArn(partition, '', target.modelId),
    ];
  }
  const destinations: readonly string[] =
    scope.destinationRegions ?? INFERENCE_PROFILE_REGIONS[target.geography];
  if (!Token.isUnresolved(region) && !destinations.includes(region)) {
    throw new InfrastructurePropsError(
      `inference profile "${modelId}" routes within ${target.geography} (${destinations.join(', ')}) ` +
        `and cannot be called from region ${region}`,
      scope.construct,
    );
  }
  return [profileArn, ...destinations.map((r) => foundationModelArn(partition, r, target.modelId))];
}

/**
 * Grants `bedrock:InvokeModel` (what Converse authorizes as) on the ARNs of
 * the given models only (a workflow's model and its fallbacks, in one
 * statement); never `bedrock:*`, never `Resource: *`.
 *
 * @example
 * grantModelInvoke(planFunction, [spec.agent.modelId, ...spec.agent.fallbackModels], {
 *   construct: this, partition: stack.partition, region: stack.region, account: stack.account,
 * });
 */
export function grantModelInvoke(
  grantee: iam.IGrantable,
  modelIds: string | readonly string[],
  scope: ModelInvokeScope,
): iam.Grant {
  const models = typeof modelIds === 'string' ? [modelIds] : modelIds;
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['bedrock:InvokeModel'],
    resourceArns: [...new Set(models.flatMap((modelId) => modelInvokeArns(modelId, scope)))],
  });
}
