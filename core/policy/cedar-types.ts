/**
 * The Cedar types the policy gate uses, and how an action's zod input schema
 * maps onto them.
 *
 * Only types whose values convert to Cedar without loss are accepted; anything
 * else (unions, dates, nullables, transforms, ...) is reported, so an author
 * learns at synth time that a policy could never see that field the way the
 * model proposed it.
 */
import * as z from 'zod';

/** Name of Cedar's fixed-point decimal extension type (4 fractional digits). */
export const CEDAR_DECIMAL = 'decimal';
/** Name of Cedar's instant-in-time extension type (`datetime("2026-12-04T09:30:00Z")`). */
export const CEDAR_DATETIME = 'datetime';

/** A Cedar record type in the schema's JSON form. */
export interface CedarRecordType {
  readonly type: 'Record';
  readonly attributes: Readonly<Record<string, CedarAttributeType>>;
}

/** The subset of Cedar's schema types the gate generates, in the schema's JSON form. */
export type CedarType =
  | { readonly type: 'String' }
  | { readonly type: 'Long' }
  | { readonly type: 'Boolean' }
  | { readonly type: 'Extension'; readonly name: typeof CEDAR_DECIMAL | typeof CEDAR_DATETIME }
  | { readonly type: 'Set'; readonly element: CedarType }
  | CedarRecordType;

/** A record attribute's type; `required: false` marks an optional field. */
export type CedarAttributeType = CedarType & { readonly required?: boolean };

const SUPPORTED = 'expected a string, enum, email, literal string, number, boolean, object or array schema';

/**
 * Maps a zod schema to the Cedar type of its values.
 *
 * Strings (and string formats such as `z.email()`), string enums and string
 * literals become `String`; integer numbers `Long`; other numbers `decimal`;
 * booleans `Boolean`; objects `Record` (optional fields `required: false`);
 * arrays `Set` of their element type.
 *
 * @param path - where the schema sits, used in problem messages (`actions.issueRefund.input.amount`).
 * @param problems - receives one message per field that has no Cedar equivalent.
 * @returns the Cedar type, or undefined when the schema (or a part of it) was reported.
 */
export function cedarTypeOfZod(schema: z.ZodType, path: string, problems: string[]): CedarType | undefined {
  if (schema instanceof z.ZodString || schema instanceof z.ZodStringFormat) return { type: 'String' };
  if (schema instanceof z.ZodNumber) {
    return schema.isInt ? { type: 'Long' } : { type: 'Extension', name: CEDAR_DECIMAL };
  }
  if (schema instanceof z.ZodBoolean) return { type: 'Boolean' };
  if (schema instanceof z.ZodEnum) {
    const nonString = schema.options.filter((option) => typeof option !== 'string');
    if (nonString.length === 0) return { type: 'String' };
    problems.push(`${path}: expected an enum of strings, got values ${nonString.map(String).join(', ')}`);
    return undefined;
  }
  if (schema instanceof z.ZodLiteral) {
    const nonString = [...schema.values].filter((value) => typeof value !== 'string');
    if (nonString.length === 0) return { type: 'String' };
    problems.push(`${path}: expected a string literal, got ${nonString.map(String).join(', ')}`);
    return undefined;
  }
  if (schema instanceof z.ZodArray) {
    const element = cedarTypeOfZod(schema.element as z.ZodType, `${path}[]`, problems);
    return element && { type: 'Set', element };
  }
  if (schema instanceof z.ZodObject) return cedarRecordTypeOfZod(schema, path, problems);
  if (schema instanceof z.ZodOptional) {
    problems.push(
      `${path}: optional is only supported on an object's fields (Cedar sets and values cannot be absent)`,
    );
    return undefined;
  }
  problems.push(`${path}: a zod "${schema.def.type}" schema has no Cedar type; ${SUPPORTED}`);
  return undefined;
}

/**
 * Maps a zod object schema to a Cedar record type; `.optional()` fields become
 * `required: false`.
 * @returns the record type, or undefined when any field was reported.
 */
export function cedarRecordTypeOfZod(
  schema: z.ZodObject,
  path: string,
  problems: string[],
): CedarRecordType | undefined {
  const attributes: Record<string, CedarAttributeType> = {};
  let complete = true;
  for (const [name, field] of Object.entries(schema.shape)) {
    const optional = field instanceof z.ZodOptional;
    const valueSchema = (optional ? field.unwrap() : field) as z.ZodType;
    const type = cedarTypeOfZod(valueSchema, `${path}.${name}`, problems);
    if (type === undefined) {
      complete = false;
      continue;
    }
    attributes[name] = optional ? { ...type, required: false } : type;
  }
  return complete ? { type: 'Record', attributes } : undefined;
}
