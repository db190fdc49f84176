import { InternalError } from '../errors.js';

/** The keys of `Group` that `Seen` has already (never when none). */
type Repeated<Group, Seen> = Extract<keyof Group, keyof Seen>;

/**
 * The groups as given, except that a group repeating a key of an earlier one becomes a type
 * naming those keys, which it cannot be assigned to: an overlap is a compile error at the call.
 */
export type Disjoint<Groups extends readonly object[], Seen = unknown> = Groups extends readonly [
  infer First extends object,
  ...infer Rest extends readonly object[],
]
  ? readonly [
      [Repeated<First, Seen>] extends [never] ? First : { repeatsKeys: Repeated<First, Seen> },
      ...Disjoint<Rest, Seen & First>,
    ]
  : Groups;

/** Every group's keys in one object. */
export type Gathered<Groups extends readonly object[]> = Groups extends readonly [
  infer First extends object,
  ...infer Rest extends readonly object[],
]
  ? First & Gathered<Rest>
  : unknown;

/**
 * The message groups as one object. A key in two groups would let the later one silently replace
 * the earlier: it does not compile, and (should a cast hide it) throws when the module loads.
 */
export function gather<const Groups extends readonly object[]>(
  ...groups: Groups & NoInfer<Disjoint<Groups>>
): Gathered<Groups> {
  const gathered: Record<string, unknown> = {};
  for (const group of groups) {
    for (const [key, value] of Object.entries(group)) {
      if (key in gathered) throw new InternalError(`the message key '${key}' is defined twice`);
      gathered[key] = value;
    }
  }
  return gathered as Gathered<Groups>;
}
