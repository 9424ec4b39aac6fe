/**
 * Errors of the typed lineage: a record that breaks the registry, written or read.
 */
import { AwfError } from '../errors.js';

/**
 * A step tried to append a record the lineage registry does not let it write:
 * a type another step owns, or data that does not have the registered shape.
 * Nothing is appended.
 */
export class LineageRegistryError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LineageRegistryError';
  }
}

/**
 * A stored record of a known type whose data does not have the registered
 * shape. Readers throw it rather than treat the record as absent: a step that
 * took a malformed `actions.proposed` for "never proposed" would call the
 * model again or refuse for the wrong reason, and hide the damage.
 */
export class MalformedLineageRecordError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MalformedLineageRecordError';
  }
}

/**
 * A record whose MAC is missing, or does not verify under the record key of
 * the step the registry names as its type's writer (or whose content does not
 * match its hash): written by someone other than that step. A step that
 * relies on another step's record refuses to act on it.
 */
export class ForgedLineageRecordError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ForgedLineageRecordError';
  }
}
