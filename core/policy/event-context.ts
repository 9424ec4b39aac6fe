/**
 * `context.event`: the admitted event's detail fields a spec lets policies
 * read (`data.policyMaySee`, a list of data classes, separate from what the
 * model may see). Fields of other classes are absent from the Cedar type, so a
 * policy that reads one fails validation at synth instead of reading nothing.
 */
import * as z from 'zod';
import { dataClassOf } from '../redaction.js';
import type { DataClass, WorkflowSpec } from '../workflow/spec.js';
import { type CedarAttributeType, type CedarRecordType, cedarTypeOfZod } from './cedar-types.js';

/** What `context.event` needs from a spec. */
export type EventContextSpec = Pick<WorkflowSpec, 'trigger' | 'data'>;

/**
 * The Cedar type of `context.event`: `{ detail: { ...visible fields } }`.
 * An object field without a class of its own is walked member by member, as
 * redaction walks it; a classified field is kept or left out whole.
 *
 * @param problems receives one message per visible field that has no Cedar type
 */
export function eventContextType(spec: EventContextSpec, problems: string[]): CedarRecordType {
  const visible = new Set<DataClass>(spec.data.policyMaySee);
  const detail = spec.trigger.detail;
  if (visible.size === 0 || !(detail instanceof z.ZodObject)) {
    return { type: 'Record', attributes: { detail: { type: 'Record', attributes: {} } } };
  }

  const recordOf = (schema: z.ZodObject, path: string): CedarRecordType => {
    const attributes: Record<string, CedarAttributeType> = {};
    for (const [name, field] of Object.entries(schema.shape)) {
      const fieldPath = `${path}.${name}`;
      const optional = field instanceof z.ZodOptional;
      const value = (optional ? field.unwrap() : field) as z.ZodType;
      const ownClass = Object.hasOwn(spec.data.classification, fieldPath);
      let type: CedarAttributeType | undefined;
      if (value instanceof z.ZodObject && !ownClass) {
        type = recordOf(value, fieldPath);
      } else if (visible.has(dataClassOf(spec, fieldPath))) {
        type = cedarTypeOfZod(value, `context.event.detail${fieldPath.slice('$.detail'.length)}`, problems);
      }
      if (type !== undefined) attributes[name] = optional ? { ...type, required: false } : type;
    }
    return { type: 'Record', attributes };
  };
  return { type: 'Record', attributes: { detail: recordOf(detail, '$.detail') } };
}
