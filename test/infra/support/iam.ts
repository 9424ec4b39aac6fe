/**
 * Evaluates the synthesized IAM policies with an IAM simulator: the tests ask
 * "may this role do that to this resource?" instead of matching statements.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { FakeCloud } from './fake-cloud.js';

/** A role of a synthesized stack. */
export interface RoleRef {
  readonly stackName: string;
  readonly logicalId: string;
}

/** An IAM policy document as the templates hold it once resolved. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly PolicyStatementJson[];
}

/** One statement; fields as IAM writes them. */
export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** Every IAM role of the given stacks. */
export function allRoles(cloud: FakeCloud, stackNames: readonly string[]): RoleRef[] {
  return stackNames.flatMap((stackName) =>
    cloud.resources(stackName, 'AWS::IAM::Role').map(([logicalId]) => ({ stackName, logicalId })),
  );
}

function isPolicyDocument(value: unknown): value is PolicyDocument {
  return (
    typeof value === 'object' && value !== null && Array.isArray((value as { Statement?: unknown }).Statement)
  );
}

function refersTo(value: unknown, logicalId: string): boolean {
  return typeof value === 'object' && value !== null && (value as { Ref?: unknown }).Ref === logicalId;
}

/** The identity policies of a role, resolved: its inline policies and every AWS::IAM::Policy attached to it. */
export function identityPolicies(
  cloud: FakeCloud,
  role: RoleRef,
): { name: string; policy: PolicyDocument }[] {
  const documents: { name: string; policy: PolicyDocument }[] = [];
  const roleResource = cloud.resource(role.stackName, role.logicalId);
  const managed = roleResource.Properties?.ManagedPolicyArns;
  if (managed !== undefined) {
    throw new Error(
      `role ${role.logicalId} has managed policies ${JSON.stringify(managed)}; awf roles must not`,
    );
  }
  const inlinePolicies = roleResource.Properties?.Policies;
  for (const inline of Array.isArray(inlinePolicies) ? inlinePolicies : []) {
    const resolved = cloud.resolve(role.stackName, inline);
    const document =
      typeof resolved === 'object' && resolved !== null ? (resolved as { PolicyDocument?: unknown }) : {};
    if (isPolicyDocument(document.PolicyDocument)) {
      documents.push({ name: `${role.logicalId} inline`, policy: document.PolicyDocument });
    }
  }
  for (const [logicalId, policy] of cloud.resources(role.stackName, 'AWS::IAM::Policy')) {
    const roles = policy.Properties?.Roles;
    if (!Array.isArray(roles) || !roles.some((r) => refersTo(r, role.logicalId))) continue;
    const document = cloud.resolve(role.stackName, policy.Properties?.PolicyDocument ?? null);
    if (!isPolicyDocument(document)) throw new Error(`policy ${logicalId} has no statements`);
    documents.push({ name: logicalId, policy: document });
  }
  return documents;
}

/** Every statement of a role's identity policies. */
export function statementsOf(cloud: FakeCloud, role: RoleRef): PolicyStatementJson[] {
  return identityPolicies(cloud, role).flatMap(({ policy }) => [...policy.Statement]);
}

/** A request to evaluate. */
export interface AccessRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  /** The resource's own policy (a key policy, a queue policy), when it has one. */
  readonly resourcePolicy?: PolicyDocument;
}

/**
 * Whether `role` may make `request`, judged by its identity policies (and the
 * resource policy, when given), in the role's own account.
 *
 * @throws Error when the simulator rejects the request (unknown action, a
 *   context key the action does not support): a test asking the wrong
 *   question must fail, not pass.
 */
export async function isAllowed(cloud: FakeCloud, role: RoleRef, request: AccessRequest): Promise<boolean> {
  const account = cloud.accountId;
  const result = await runSimulation(
    {
      request: {
        principal: cloud.arnOf(role.stackName, role.logicalId),
        action: request.action,
        resource: { resource: request.resource, accountId: account },
        contextVariables: request.context ?? {},
      },
      identityPolicies: identityPolicies(cloud, role),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: request.resourcePolicy,
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(
      `cannot simulate ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`,
    );
  }
  return result.overallResult === 'Allowed';
}

/** The roles among `roles` that may make `request`. */
export async function rolesAllowed(
  cloud: FakeCloud,
  roles: readonly RoleRef[],
  request: AccessRequest,
): Promise<RoleRef[]> {
  const verdicts = await Promise.all(roles.map((role) => isAllowed(cloud, role, request)));
  return roles.filter((_, i) => verdicts[i]);
}

/**
 * Whether a principal that is not a role of the stacks (a business system's
 * role, another account's) may make `request`, given its identity policies
 * and the resource's policy.
 * @throws Error when the simulator rejects the request, as {@link isAllowed} does.
 */
export async function isAllowedFor(
  principalArn: string,
  identityPolicies: readonly PolicyDocument[],
  request: AccessRequest & { readonly resourceAccount: string },
): Promise<boolean> {
  const result = await runSimulation(
    {
      request: {
        principal: principalArn,
        action: request.action,
        resource: { resource: request.resource, accountId: request.resourceAccount },
        contextVariables: request.context ?? {},
      },
      identityPolicies: identityPolicies.map((policy, i) => ({ name: `identity-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: request.resourcePolicy,
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(
      `cannot simulate ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`,
    );
  }
  return result.overallResult === 'Allowed';
}
