/**
 * The function URLs through which people act on a workflow, each with
 * `AWS_IAM` auth and a role whose session names the person:
 *
 * - the **approvals endpoint** (the decide-approval function) and the
 *   approver role;
 * - the **operations endpoint** (the switch function: halt, approve-all,
 *   resume) and the operator role;
 * - the **follow-ups endpoint** (the follow-up function: asking to cancel a
 *   pending follow-up), called with the same operator role.
 *
 * Each role's trust policy pins the session name to the caller's IAM user
 * name (`sts:RoleSessionName` = `${aws:username}`), so the session name the
 * function reads is the person and nobody can pick another's. Each function
 * trusts its own role and the further roles the props list (IAM Identity
 * Center permission sets), through `AWF_CALLER_ROLES`.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { CallerKind } from '../core/approval/caller.js';
import { ENV } from '../core/runtime-env.js';

/** What one endpoint is built from. */
export interface CallerEndpointProps {
  /** Whom it serves: approvers or operators (its role's name and the function's refusals say so). */
  readonly kind: CallerKind;
  readonly workflowId: string;
  /** The function served. */
  readonly function: lambda.Function;
  /** Who may assume the endpoint's role (still only as themself). */
  readonly trust: iam.IPrincipal;
  /** Further roles whose sessions the function trusts to name the person. */
  readonly trustedRoleArns: readonly string[];
  /** The stacks whose outputs the CLI reads to find the endpoint. */
  readonly stackIds: readonly string[];
  /** What the role is for, in its description. */
  readonly purpose: string;
  /**
   * The role of another endpoint that may call this one too (the operator
   * role for the follow-ups endpoint); `trust` and `purpose` are then unused.
   * @default - a role of its own
   */
  readonly role?: iam.Role;
}

/** An endpoint: its URL and the role people assume to call it. */
export interface CallerEndpoint {
  readonly url: lambda.FunctionUrl;
  readonly role: iam.Role;
}

/**
 * Adds an `AWS_IAM` function URL to the function, a role allowed to call it
 * (and read the stacks' outputs) and nothing else, and tells the function
 * which roles' sessions it trusts.
 */
export function callerEndpoint(scope: Construct, id: string, props: CallerEndpointProps): CallerEndpoint {
  const url = props.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
  const role =
    props.role ??
    new iam.Role(scope, id, {
      description: `awf ${props.workflowId}: ${props.purpose}; the session name must be the caller's user name`,
      // The session name is whom the function acts as: pinned to the caller's own user name.
      assumedBy: new iam.PrincipalWithConditions(props.trust, {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, resolved by IAM at AssumeRole
        StringEquals: { 'sts:RoleSessionName': '${aws:username}' },
      }),
      maxSessionDuration: Duration.hours(1),
    });
  url.grantInvokeUrl(role);
  if (props.role === undefined) {
    // The CLI finds the endpoint from the stacks' outputs.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cloudformation:DescribeStacks'],
        resources: [...new Set(props.stackIds)],
      }),
    );
  }
  const trusted = [role.roleArn, ...props.trustedRoleArns];
  props.function.addEnvironment(ENV.callerRoles, Stack.of(scope).toJsonString(trusted));
  props.function.addEnvironment(ENV.callerKind, props.kind);
  return { url, role };
}
