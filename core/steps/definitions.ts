/**
 * Every step definition, by name: what `lib/` builds a Lambda and a role for,
 * and what the tests run the state machine with.
 *
 * Each step lives in `core/steps/<name>/<name>.ts` and exports its definition
 * as `<camelCaseName>Step`; the generated Lambda entry imports it by that
 * convention (`lib/step-entry.ts`), so a bundle holds one step's code only.
 */

import type { z } from 'zod';
import { actStep } from './act/act.js';
import { admitStep } from './admit/admit.js';
import { completeStep } from './complete/complete.js';
import { decideApprovalStep } from './decide-approval/decide-approval.js';
import { escalateStep } from './escalate/escalate.js';
import { followUpStep } from './follow-up/follow-up.js';
import { gateStep } from './gate/gate.js';
import { groundStep } from './ground/ground.js';
import { parkStep } from './park/park.js';
import { planStep } from './plan/plan.js';
import type { PortNeeds } from './ports.js';
import { reconcileStep } from './reconcile/reconcile.js';
import { remindStep } from './remind/remind.js';
import { requestApprovalStep } from './request-approval/request-approval.js';
import type { StepName } from './step-names.js';
import { switchStep } from './switch/switch.js';

/** What every definition has in common, whatever its input and output types. */
export interface StepDeclaration<K extends StepName = StepName> {
  readonly name: K;
  readonly input: z.ZodType;
  readonly ports: PortNeeds;
}

/** The definitions, keyed by the name each declares. */
export const STEP_DEFINITIONS = {
  admit: admitStep,
  park: parkStep,
  ground: groundStep,
  plan: planStep,
  gate: gateStep,
  'request-approval': requestApprovalStep,
  'decide-approval': decideApprovalStep,
  act: actStep,
  complete: completeStep,
  escalate: escalateStep,
  remind: remindStep,
  reconcile: reconcileStep,
  switch: switchStep,
  'follow-up': followUpStep,
} as const satisfies { readonly [K in StepName]: StepDeclaration<K> };

/** `request-approval` -> `requestApprovalStep`: the export name of a step's definition. */
export function stepExportName(name: StepName): string {
  return `${name.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase())}Step`;
}

/** The ports a step's definition declares, as the common {@link PortNeeds} type. */
export function declaredPorts(step: StepName): PortNeeds {
  return STEP_DEFINITIONS[step].ports;
}
