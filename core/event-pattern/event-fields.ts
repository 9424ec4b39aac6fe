/**
 * Reads the values an event holds at the paths a pattern names.
 *
 * EventBridge "crushes" arrays out of events: a pattern field matches a value
 * inside an array, or inside objects inside arrays, at any depth. What it does
 * not do is combine values from different elements of the same array: in
 * `{"items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}]}`, the pattern
 * `{"items": {"sku": ["a"], "qty": [2]}}` does not match. So every value is
 * recorded with its array membership — which element of which array it sits in
 * — and the matcher only combines values whose memberships agree.
 *
 * Only the paths the pattern names are visited, so a large event costs no more
 * than the part of it the pattern looks at.
 */
import type { LeafValue } from './value-tests.js';

/** One array element a value sits in: which array of the event, and which element of it. */
export interface ArrayPosition {
  readonly arrayId: number;
  readonly index: number;
}

/** The array elements a value sits in, outermost first. */
export type Membership = readonly ArrayPosition[];

/** The membership of a value that sits in no array. */
export const NO_MEMBERSHIP: Membership = Object.freeze([]);

/** A leaf value found in an event, with the array elements it sits in. */
export interface FieldValue {
  readonly value: LeafValue;
  readonly membership: Membership;
}

interface PathNode {
  readonly children: Map<string, PathNode>;
  slot: number | undefined;
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(value: unknown): value is LeafValue {
  return (
    value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
  );
}

/**
 * The field paths of one pattern, each given a slot; `collect` fills the slots
 * with the values an event holds at those paths.
 */
export class FieldPaths {
  private readonly root: PathNode = { children: new Map(), slot: undefined };
  private slots = 0;

  /** The slot of a path (field names from the event root), created on first use. */
  slotOf(path: readonly string[]): number {
    let node = this.root;
    for (const name of path) {
      let child = node.children.get(name);
      if (child === undefined) {
        child = { children: new Map(), slot: undefined };
        node.children.set(name, child);
      }
      node = child;
    }
    if (node.slot === undefined) node.slot = this.slots++;
    return node.slot;
  }

  /**
   * The leaf values of `event` at every slot's path. Objects and empty arrays
   * are not values: EventBridge treats a field holding them as absent.
   */
  collect(event: unknown): readonly (readonly FieldValue[])[] {
    const found: FieldValue[][] = [];
    for (let i = 0; i < this.slots; i++) found.push([]);
    let nextArrayId = 0;
    const visit = (node: PathNode, value: unknown, membership: Membership): void => {
      if (Array.isArray(value)) {
        const arrayId = nextArrayId++;
        for (let index = 0; index < value.length; index++) {
          visit(node, value[index], [...membership, { arrayId, index }]);
        }
      } else if (isObject(value)) {
        for (const [name, child] of node.children) {
          if (Object.hasOwn(value, name)) visit(child, value[name], membership);
        }
      } else if (node.slot !== undefined && isLeaf(value)) {
        found[node.slot]?.push({ value, membership });
      }
    };
    visit(this.root, event, NO_MEMBERSHIP);
    return found;
  }
}

/**
 * Combines two memberships, or returns `undefined` when they place values in
 * different elements of the same array (the values cannot be used together).
 */
export function combineMemberships(held: Membership, added: Membership): Membership | undefined {
  if (added.length === 0) return held;
  if (held.length === 0) return added;
  let extra: ArrayPosition[] | undefined;
  for (const position of added) {
    const same = held.find((h) => h.arrayId === position.arrayId);
    if (same === undefined) {
      extra ??= [];
      extra.push(position);
    } else if (same.index !== position.index) {
      return undefined;
    }
  }
  return extra === undefined ? held : [...held, ...extra];
}
