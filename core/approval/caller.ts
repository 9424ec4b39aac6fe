/**
 * Who is calling the approvals endpoint, as AWS asserts it.
 *
 * The endpoint is a Lambda function URL with `AWS_IAM` auth: Lambda has
 * checked the request's SigV4 signature and the caller's permission before the
 * function runs, and hands the function the caller's identity in
 * `requestContext.authorizer.iam`. What the caller may not choose is which
 * person that identity is. So only sessions of *trusted approver roles* count:
 * roles whose session name AWS itself vouches for, either because the role's
 * trust policy pins it (`sts:RoleSessionName` = `${aws:username}`: the
 * construct's approver role) or because IAM Identity Center sets it to the
 * signed-in user (`AWSReservedSSO_*` roles). The session name is then the
 * person, looked up in the workflow's approver directory. Any other caller
 * (an IAM user, a session of another role, another account) is refused: a
 * role whose trust policy lets the caller pick the session name would let
 * them pick whom they approve as.
 */
import { AwfError } from '../errors.js';

/** The caller's identity as a function URL with `AWS_IAM` auth passes it. */
export interface IamAuthorizerContext {
  readonly accountId?: string | null;
  readonly userArn?: string | null;
  readonly userId?: string | null;
  readonly accessKey?: string | null;
  readonly callerId?: string | null;
}

/** An authenticated caller: the person (the session name) and the identity AWS asserted. */
export interface CallerIdentity {
  /** The person, as the session name spells it (`alice@acme.example`). */
  readonly principal: string;
  /** The caller's ARN as AWS asserted it (`arn:aws:sts::111122223333:assumed-role/...`). */
  readonly arn: string;
  /**
   * Set when AWS authenticated the identity but the endpoint does not trust
   * it to name a person (why): such a caller's decisions are refused, and recorded.
   */
  readonly untrusted?: string;
}

/** The endpoint cannot tell who the caller is, or does not trust their identity for approvals. */
export class CallerNotTrustedError extends AwfError {
  constructor(message: string) {
    super(message);
    this.name = 'CallerNotTrustedError';
  }
}

/** A role whose sessions are trusted to name the person: its account and name (a trailing `*` matches any rest). */
export interface TrustedApproverRole {
  readonly account: string;
  readonly roleName: string;
}

/** Whom a function URL serves: approvers (the approvals endpoint) or operators (the operations endpoint). */
export type CallerKind = 'approver' | 'operator';

/** The caller kinds, for validating configuration. */
export const CALLER_KINDS: readonly CallerKind[] = ['approver', 'operator'];

/** Tells a function URL (approvals, operations) who its caller is (`callers` port). */
export interface CallerIdentities {
  /**
   * The person behind an IAM identity.
   * @throws CallerNotTrustedError naming why the identity does not count.
   */
  identify(iam: IamAuthorizerContext | undefined): CallerIdentity;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[^*]*\/)?([\w+=,.@*-]+)$/;
const ASSUMED_ROLE_ARN = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/([\w+=,.@-]+)$/;

/**
 * Parses a trusted role's ARN (`arn:aws:iam::111122223333:role/AwfApprovers`,
 * or with a trailing `*` in the name for Identity Center's generated suffix).
 * @throws CallerNotTrustedError naming the value when it is no role ARN.
 */
export function parseTrustedRole(arn: string): TrustedApproverRole {
  const match = ROLE_ARN.exec(arn);
  if (!match?.[1] || !match[2]) {
    throw new CallerNotTrustedError(
      `"${arn}" is not an IAM role ARN such as arn:aws:iam::111122223333:role/AwfApprovers (a trailing * may end the name)`,
    );
  }
  if (match[2].slice(0, -1).includes('*')) {
    throw new CallerNotTrustedError(`"${arn}": only a trailing * may end a trusted role's name`);
  }
  return { account: match[1], roleName: match[2] };
}

function roleMatches(role: TrustedApproverRole, account: string, roleName: string): boolean {
  if (role.account !== account) return false;
  return role.roleName.endsWith('*')
    ? roleName.startsWith(role.roleName.slice(0, -1))
    : roleName === role.roleName;
}

/**
 * The callers port of a function URL: trusts the sessions of `roleArns`, and
 * names them as `kind` in its refusals.
 * @example
 * const callers = trustedRoleCallers(['arn:aws:iam::111122223333:role/AwfApprovers-refund-triage']);
 * callers.identify({ userArn: 'arn:aws:sts::111122223333:assumed-role/AwfApprovers-refund-triage/alice@acme.example' });
 * // { principal: 'alice@acme.example', arn: '...' }
 */
export function trustedRoleCallers(
  roleArns: readonly string[],
  kind: CallerKind = 'approver',
): CallerIdentities {
  const roles = roleArns.map(parseTrustedRole);
  const endpoint = kind === 'approver' ? 'the approvals endpoint' : 'the operations endpoint';
  return {
    identify(iam) {
      const arn = iam?.userArn ?? undefined;
      if (!arn) {
        throw new CallerNotTrustedError(
          `the request carries no IAM identity: it must come through ${endpoint} (a function URL with AWS_IAM auth), signed with SigV4`,
        );
      }
      const session = ASSUMED_ROLE_ARN.exec(arn);
      if (!session?.[1] || !session[2] || !session[3]) {
        throw new CallerNotTrustedError(
          `${arn} is not a session of an ${kind} role: sign in as an ${kind} (IAM Identity Center, or assume the workflow's ${kind} role with your user name as the session name)`,
        );
      }
      const [, account, roleName, sessionName] = session;
      if (!roles.some((role) => roleMatches(role, account, roleName))) {
        throw new CallerNotTrustedError(
          `${arn} is a session of role ${roleName} in account ${account}, which is not an ${kind} role of this workflow; its session name could be anyone's`,
        );
      }
      return { principal: sessionName, arn };
    },
  };
}

/**
 * The ARN AWS gives a session of `roleArn` named `sessionName`
 * (`arn:aws:sts::111122223333:assumed-role/AwfApprovers/alice@acme.example`):
 * what the local cloud asserts for its identities, and tests use.
 * @throws CallerNotTrustedError when `roleArn` is no role ARN.
 */
export function assumedRoleArn(roleArn: string, sessionName: string): string {
  const { account, roleName } = parseTrustedRole(roleArn);
  const partition = roleArn.split(':')[1] ?? 'aws';
  return `arn:${partition}:sts::${account}:assumed-role/${roleName}/${sessionName}`;
}
