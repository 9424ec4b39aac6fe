/**
 * Who the approvals endpoint takes its caller for: the session name of a
 * trusted approver role, and nobody else.
 */
import {
  assumedRoleArn,
  CallerNotTrustedError,
  parseTrustedRole,
  trustedRoleCallers,
} from '../../../core/approval/caller.js';

const ROLE = 'arn:aws:iam::111122223333:role/AwfApprovers-refund-triage';
const SSO = 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Approvers_*';
const callers = trustedRoleCallers([ROLE, SSO]);

describe('trusted approver roles', () => {
  it('take the session name of a trusted role as the person, with the ARN AWS asserted', () => {
    const arn = 'arn:aws:sts::111122223333:assumed-role/AwfApprovers-refund-triage/alice@acme.example';
    expect(callers.identify({ userArn: arn })).toEqual({ principal: 'alice@acme.example', arn });
    expect(assumedRoleArn(ROLE, 'alice@acme.example')).toBe(arn);
  });

  it("match an Identity Center role by its name's prefix, whatever its path and generated suffix", () => {
    const arn =
      'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Approvers_0a1b2c3d4e5f/bob@acme.example';
    expect(callers.identify({ userArn: arn }).principal).toBe('bob@acme.example');
  });

  it.each([
    ['no identity at all', undefined, /carries no IAM identity/],
    ['an IAM user', 'arn:aws:iam::111122223333:user/alice@acme.example', /not a session of an approver role/],
    [
      'a session of another role, whose session name the caller chose',
      'arn:aws:sts::111122223333:assumed-role/Developers/alice@acme.example',
      /role Developers .* not an approver role of this workflow; its session name could be anyone's/,
    ],
    [
      "a session of the approver role's name in another account",
      'arn:aws:sts::999999999999:assumed-role/AwfApprovers-refund-triage/alice@acme.example',
      /account 999999999999/,
    ],
    [
      'a role whose name only starts like the approver role',
      'arn:aws:sts::111122223333:assumed-role/AwfApprovers-refund-triage-copy/alice@acme.example',
      /not an approver role/,
    ],
    [
      'a federated user',
      'arn:aws:sts::111122223333:federated-user/alice',
      /not a session of an approver role/,
    ],
  ])('refuse %s, saying why', (_what, userArn, message) => {
    expect(() => callers.identify(userArn === undefined ? undefined : { userArn })).toThrow(
      CallerNotTrustedError,
    );
    expect(() => callers.identify(userArn === undefined ? {} : { userArn })).toThrow(message);
  });

  it('refuse to be configured with anything but role ARNs, a * only at the end of the name', () => {
    expect(() => parseTrustedRole('arn:aws:iam::111122223333:user/alice')).toThrow(/not an IAM role ARN/);
    expect(() => parseTrustedRole('AwfApprovers')).toThrow(/not an IAM role ARN/);
    expect(() => parseTrustedRole('arn:aws:iam::111122223333:role/Awf*Approvers')).toThrow(
      /only a trailing \*/,
    );
    expect(parseTrustedRole(SSO)).toEqual({
      account: '111122223333',
      roleName: 'AWSReservedSSO_Approvers_*',
    });
  });
});
