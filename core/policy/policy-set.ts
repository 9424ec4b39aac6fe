/**
 * Reads a workflow's Cedar policy file into the policy set the gate runs:
 * each policy's id, effect, whether it asks for human approval, and its text.
 *
 * Ids come from `@id("...")` (falling back to Cedar's own `policy<N>`, N being
 * the 0-based position in the file), so the gate can hand Cedar an
 * id -> text record and get those ids back as the reasons of a decision.
 * `@approval("required")` on a permit turns its ALLOW into REQUIRE_APPROVAL.
 * `@mode("log-only")` keeps a policy out of the decision: it is evaluated and
 * its would-be effect recorded (see `log-only.ts`).
 */
import { type DetailedError, policySetTextToParts, policyToJson } from '@cedar-policy/cedar-wasm/nodejs';
import { type PolicyApprovalAnnotations, readApprovalAnnotations } from '../approval/requirement.js';
import { hashOf } from '../hash.js';
import { MODE_ANNOTATION, POLICY_MODES, type PolicyMode } from './log-only.js';
import { lineAt, type PolicySource, splitPolicySource } from './policy-source.js';

/** Annotation naming a policy; its value becomes the policy id Cedar reports. */
export const POLICY_ID_ANNOTATION = 'id';
/** Annotation that sends an action a permit allows to a human approver. */
export const APPROVAL_ANNOTATION = 'approval';
/** The only value `@approval` accepts. */
export const APPROVAL_REQUIRED = 'required';

/** One policy of a workflow's policy set. */
export interface ParsedPolicy {
  readonly id: string;
  readonly effect: 'permit' | 'forbid';
  /** True for a permit annotated `@approval("required")`. */
  readonly requiresApproval: boolean;
  /** `log-only` for a policy annotated `@mode("log-only")`: evaluated and recorded, never deciding. */
  readonly mode: PolicyMode;
  /** The policy as written, annotations included. */
  readonly text: string;
  /** 1-based line of the policy in the policy file. */
  readonly line: number;
  /** Who approves and how many, from `@approvers` and `@quorum` (`core/approval/requirement.ts`). */
  readonly approvals?: PolicyApprovalAnnotations;
}

/** A parsed policy set, in file order. */
export interface ParsedPolicySet {
  readonly policies: readonly ParsedPolicy[];
  /** Policy id -> text: what Cedar is given, and what the hash covers. */
  readonly texts: Readonly<Record<string, string>>;
  /** {@link policySetHashOf} of `texts`; recorded with every decision. */
  readonly hash: string;
}

/** The outcome of parsing: the policy set, or every problem found. */
export type PolicySetParseResult =
  | { readonly ok: true; readonly policySet: ParsedPolicySet }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * The policy-set hash: SHA-256 of the canonical JSON of the id -> text record.
 *
 * Comments between policies are not part of any policy's text, so editing
 * them leaves the hash alone; any change to a policy, its annotations or its
 * id changes it.
 */
export function policySetHashOf(texts: Readonly<Record<string, string>>): string {
  return hashOf(texts);
}

/** A Cedar error as one line: its message, and Cedar's hint when it gives one. */
export function formatCedarError(error: DetailedError): string {
  return error.help ? `${error.message} (${error.help})` : error.message;
}

/** The 1-based file line of the first source location of a Cedar error about `policy`. */
export function fileLineOf(
  policy: { readonly text: string; readonly line: number },
  error: DetailedError,
): number {
  const offset = error.sourceLocations?.[0]?.start;
  return offset === undefined ? policy.line : policy.line + lineAt(policy.text, offset) - 1;
}

function readPolicy(source: PolicySource, problems: string[]): ParsedPolicy | undefined {
  const parsed = policyToJson(source.text);
  if (parsed.type === 'failure') {
    for (const error of parsed.errors) {
      problems.push(`policies: line ${fileLineOf(source, error)}: ${formatCedarError(error)}`);
    }
    return undefined;
  }
  // Cedar reports a value-less annotation (`@approval`) as null, whatever its type says.
  const annotations: Readonly<Record<string, unknown>> = parsed.json.annotations ?? {};
  const fallbackId = `policy${source.index}`;
  const annotatedId = annotations[POLICY_ID_ANNOTATION];
  let id = fallbackId;
  if (annotatedId !== undefined) {
    if (typeof annotatedId === 'string' && annotatedId.trim() !== '') id = annotatedId;
    else problems.push(`policies: line ${source.line}: expected @id("<policy id>"), got an empty id`);
  }
  const label = `policies: policy "${id}" (line ${source.line})`;
  const effect = parsed.json.effect;
  let requiresApproval = false;
  if (Object.hasOwn(annotations, APPROVAL_ANNOTATION)) {
    const approval = annotations[APPROVAL_ANNOTATION];
    if (approval !== APPROVAL_REQUIRED) {
      problems.push(
        `${label}: expected @${APPROVAL_ANNOTATION}("${APPROVAL_REQUIRED}"), got @${APPROVAL_ANNOTATION}${
          typeof approval === 'string' ? `(${JSON.stringify(approval)})` : ''
        }`,
      );
    } else if (effect === 'forbid') {
      problems.push(
        `${label}: @${APPROVAL_ANNOTATION}("${APPROVAL_REQUIRED}") only applies to permit policies; a satisfied forbid always denies`,
      );
    } else {
      requiresApproval = true;
    }
  }
  let mode: PolicyMode = 'enforce';
  if (Object.hasOwn(annotations, MODE_ANNOTATION)) {
    const value = annotations[MODE_ANNOTATION];
    if ((POLICY_MODES as readonly unknown[]).includes(value)) mode = value as PolicyMode;
    else {
      problems.push(
        `${label}: expected ${POLICY_MODES.map((m) => `@${MODE_ANNOTATION}("${m}")`).join(' or ')}, got @${MODE_ANNOTATION}${
          typeof value === 'string' ? `(${JSON.stringify(value)})` : ''
        }`,
      );
    }
  }
  const approvals = readApprovalAnnotations(annotations, label, problems);
  const annotated = approvals.roles !== undefined || approvals.quorum !== undefined;
  if (annotated && effect === 'forbid') {
    problems.push(
      `${label}: @approvers and @quorum only apply to permit policies; a satisfied forbid always denies`,
    );
  }
  return {
    id,
    effect,
    requiresApproval,
    mode,
    text: source.text,
    line: source.line,
    ...(annotated ? { approvals } : {}),
  };
}

/** Confirms that splitting found exactly the policies Cedar's parser finds. */
function agreesWithCedar(source: string, policies: readonly ParsedPolicy[], problems: string[]): boolean {
  const parts = policySetTextToParts(source);
  if (parts.type === 'failure') {
    for (const error of parts.errors) {
      const offset = error.sourceLocations?.[0]?.start;
      const where = offset === undefined ? '' : `line ${lineAt(source, offset)}: `;
      problems.push(`policies: ${where}${formatCedarError(error)}`);
    }
    return false;
  }
  const ours = policies.map((p) => p.text).sort();
  const cedars = [...parts.policies, ...parts.policy_templates].sort();
  if (ours.length !== cedars.length || ours.some((text, i) => text !== cedars[i])) {
    problems.push(
      `policies: found ${ours.length} policies where Cedar finds ${cedars.length}; the file could not be split reliably`,
    );
    return false;
  }
  return true;
}

/**
 * Parses the text of a policy file.
 *
 * Reports, with file line numbers: syntax errors, templates (slots are not
 * supported), empty or duplicate ids, `@approval` with any value other than
 * `"required"` (a typo there would silently turn an approval into an ALLOW),
 * `@approval` on a forbid, `@mode` with any value other than `"enforce"` or
 * `"log-only"`, and a file without any policy or with only log-only ones.
 *
 * @example
 * const result = parsePolicySet(pack.policies);
 * if (result.ok) result.policySet.texts; // { 'refund-small-autonomous': '@id("refund-small-autonomous")\npermit (...) when {...};', ... }
 */
export function parsePolicySet(source: string): PolicySetParseResult {
  const split = splitPolicySource(source);
  const problems = split.problems.map((problem) => `policies: ${problem}`);
  const policies: ParsedPolicy[] = [];
  for (const policySource of split.policies) {
    const policy = readPolicy(policySource, problems);
    if (policy) policies.push(policy);
  }
  if (problems.length === 0 && policies.length === 0) {
    problems.push('policies: expected at least one policy, found none (every action would be denied)');
  } else if (policies.length > 0 && policies.every((policy) => policy.mode === 'log-only')) {
    problems.push(
      `policies: expected at least one enforced policy, found only @${MODE_ANNOTATION}("log-only") ones (every action would be denied)`,
    );
  }
  const linesById = new Map<string, number[]>();
  for (const policy of policies) linesById.set(policy.id, [...(linesById.get(policy.id) ?? []), policy.line]);
  for (const [id, lines] of linesById) {
    if (lines.length > 1)
      problems.push(`policies: policy id "${id}" is used more than once, at lines ${lines.join(', ')}`);
  }
  if (problems.length > 0 || !agreesWithCedar(source, policies, problems)) return { ok: false, problems };
  const texts = Object.fromEntries(policies.map((policy) => [policy.id, policy.text]));
  return { ok: true, policySet: { policies, texts, hash: policySetHashOf(texts) } };
}
