/**
 * Key policy statements every awf key carries, whatever it protects.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';

/** The statement id of {@link limitGrantsToAwsServices}, so tests and reviewers can find it. */
export const GRANTS_FOR_AWS_SERVICES_ONLY_SID = 'GrantsOnlyForAwsServicesOrTheirResources';

/**
 * Denies `kms:CreateGrant` on `key` to every principal unless an AWS service
 * integrated with KMS asks on the caller's behalf (`kms:GrantIsForAWSResource`,
 * as DynamoDB does for a table encrypted with the key) or the caller is an
 * AWS service principal (`aws:PrincipalIsAWSService`).
 *
 * A grant is a permission that lives outside the key policy and IAM: without
 * this statement, anyone this account's IAM lets call `kms:CreateGrant` could
 * hand the key's use to any principal, and no policy review would see it.
 * This is the statement AWS Control Tower's proactive control CT.KMS.PR.3
 * requires: a Deny for all principals, `Resource: *`, with `BoolIfExists`
 * `false` on both keys (a request without the key is denied too).
 *
 * @example
 * limitGrantsToAwsServices(dataKey);
 */
export function limitGrantsToAwsServices(key: kms.IKey): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: GRANTS_FOR_AWS_SERVICES_ONLY_SID,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
      },
    }),
  );
}
