import { describeValue } from '@selfsup/core';

/**
 * A rule between keys of a configuration that a schema cannot express, broken by a value: the key,
 * what was expected, the value found. A method's `check` returns one per broken rule, so that the
 * command line refuses the configuration before it creates or computes anything.
 */
export interface ConfigProblem {
  /** The key path (`augmentation.localSize`). */
  readonly key: string;
  /** What the key must be (`a multiple of backbone.patchSize (7)`). */
  readonly expected: string;
  /** The value found. */
  readonly actual: unknown;
}

/** The line of a problem in a message: `augmentation.localSize: expected a multiple of ..., got 10`. */
export function describeProblem(problem: ConfigProblem): string {
  const got = problem.actual === undefined ? 'nothing (the key is missing)' : describeValue(problem.actual);
  return `${problem.key}: expected ${problem.expected}, got ${got}`;
}
