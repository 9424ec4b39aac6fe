/**
 * Access request: decide requests for time-boxed access to Acme's systems,
 * filed through the identity portal.
 *
 * Viewer access outside production is granted by the agent on its own; viewer
 * access to production and operator access need one system owner; admin access
 * needs two approvers from distinct roles, one of them from security, and is
 * forbidden on production outside business hours (09:00-18:00 UTC, Monday to
 * Friday, by awf's clock) and beyond two admin grants per requester in 30 days.
 * The requester never approves their own request, and their email is PII the
 * model never sees. Every grant is revoked by a follow-up once the hours it was
 * asked for have passed.
 *
 * Every grant is bound to the request: the model cannot widen the system, the
 * environment, the level or the duration the requester asked for.
 */
import * as z from 'zod';
import { defineWorkflow } from '../../core/workflow/spec.js';

const requestId = z
  .string()
  .regex(/^acc_[A-Za-z0-9_-]{6,64}$/, 'expected an access request id such as "acc_7k2m9d4q"');
/** A system as the identity portal names it (`billing-api`, `warehouse-db`). */
const system = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{1,47}$/,
    'expected a system name such as "billing-api" (lowercase, digits, dashes)',
  );
const environment = z.enum(['dev', 'staging', 'prod']);
const level = z.enum(['viewer', 'operator', 'admin']);
/** How long the grant lasts before the follow-up revokes it. */
const durationHours = z.number().int().min(1).max(72);

/** The `detail` of an `acme.identity` / `AccessRequested` event. */
export const accessRequestedDetail = z.object({
  /** The identity portal's id of this request: one request, one run. */
  requestId,
  /** Who asks for access: their approver session name too, so they may never approve it. */
  requesterEmail: z.email(),
  system,
  environment,
  level,
  durationHours,
  /** Why the requester needs the access, in their words. */
  justification: z.string().min(1).max(2000),
});

/** The fields of a grant that name what is granted: every one is bound to the request. */
const grantFields = { requestId, system, environment, level };

export default defineWorkflow({
  id: 'access-request',
  version: '1.0.0',
  owner: { team: 'identity-and-access', contact: 'iam-team@acme.example' },
  objective:
    'Resolve each access request with the least access that does the job: grant what the justification ' +
    'supports for the time asked, ask for a better justification when it is unclear, and decline what it does not support.',
  trigger: {
    source: 'acme.identity',
    detailType: 'AccessRequested',
    detail: accessRequestedDetail,
  },
  entityKey: '$.detail.requestId',
  businessKey: { paths: ['$.detail.requestId'] },
  // Business hours are Acme's operations hours in UTC: context.now's hour and weekday are in this zone.
  timezone: 'UTC',
  agent: {
    modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
    modelCheckedOn: '2026-12-04',
    prompt: 'prompt.md',
    maxIterations: 3,
    maxTokens: 1024,
    temperature: 0,
    maxRepairs: 2,
  },
  actions: {
    grantAccess: {
      description:
        'Grant the requester the access level they asked for on the system and environment they named, ' +
        'for the hours they asked for; it is revoked automatically when those hours have passed.',
      input: z.object({ ...grantFields, durationHours }),
      risk: 'high',
      connector: { type: 'eventbridge', detailType: 'AccessGranted' },
      // All of it, duration included: a grant can only ever be the one requested, never a wider one.
      bind: {
        requestId: '$.detail.requestId',
        system: '$.detail.system',
        environment: '$.detail.environment',
        level: '$.detail.level',
        durationHours: '$.detail.durationHours',
      },
      followUp: {
        action: 'revokeAccess',
        afterHoursField: 'durationHours',
        input: { requestId: 'requestId', system: 'system', environment: 'environment', level: 'level' },
      },
    },
    revokeAccess: {
      description: 'Revoke an access grant of this request once its hours have passed.',
      input: z.object(grantFields),
      risk: 'low',
      connector: { type: 'eventbridge', detailType: 'AccessRevoked' },
      bind: {
        requestId: '$.detail.requestId',
        system: '$.detail.system',
        environment: '$.detail.environment',
        level: '$.detail.level',
      },
      // Never offered to the model: it runs only as grantAccess's follow-up.
      reduces: 'grantAccess',
    },
    denyAccess: {
      description: 'Decline the request and tell the requester why, and what they could ask for instead.',
      input: z.object({
        requestId,
        reasonCode: z.enum(['more-than-needed', 'not-a-business-need', 'wrong-system']),
        requesterMessage: z.string().min(20).max(1000),
      }),
      risk: 'medium',
      connector: { type: 'eventbridge', detailType: 'AccessDenied' },
      bind: { requestId: '$.detail.requestId' },
    },
    requestJustification: {
      description:
        'Ask the requester to explain what they need the access for (the task, the ticket, why this level).',
      input: z.object({
        requestId,
        questions: z.array(z.string().min(5).max(300)).min(1).max(3),
      }),
      risk: 'low',
      connector: { type: 'eventbridge', detailType: 'AccessJustificationRequested' },
      bind: { requestId: '$.detail.requestId' },
    },
  },
  policies: 'policies.cedar',
  grounding: {
    history: {
      // The requester, however the portal spells their address; stored only as a keyed hash.
      key: '$.detail.requesterEmail',
      normalize: ['trim', 'case-fold'],
      window: '30d',
      actions: ['grantAccess'],
      measures: { adminGrants: { action: 'grantAccess', where: { level: 'admin' } } },
    },
  },
  autonomy: { default: 'autonomous' },
  approvals: {
    approverRoles: ['system-owner', 'security'],
    // Keys are approver session names: at Acme, people's IAM user names, which are their emails.
    approvers: {
      'olivia@acme.example': ['system-owner'],
      'dan@acme.example': ['system-owner'],
      'sam@acme.example': ['security'],
      'grace@acme.example': ['security', 'security-lead'],
      'hana@acme.example': ['ciso'],
    },
    timeout: '24h',
    reminderInterval: '4h',
    // Security's own ladder: a rung's role may approve once reached, so whoever steps in for a
    // silent owner is from security, and an admin grant still has a security approver.
    escalation: ['security-lead', 'ciso'],
    // The requester may never approve their own access.
    separationOfDuties: { excludeEventFields: ['$.detail.requesterEmail'] },
  },
  data: {
    classification: {
      '$.detail.requesterEmail': 'pii',
      '$.detail.requestId': 'internal',
      '$.detail.system': 'internal',
      '$.detail.environment': 'internal',
      '$.detail.level': 'internal',
      '$.detail.durationHours': 'internal',
      '$.detail.justification': 'internal',
    },
    defaultClass: 'internal',
    modelMaySee: ['public', 'internal'],
    retentionDays: 400,
  },
});
