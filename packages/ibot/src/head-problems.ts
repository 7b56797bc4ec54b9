import type { ConfigProblem } from './config-problem.js';

/** The head section the rule reads (`headConfigSchema`). */
export interface HeadSection {
  readonly outDim: number;
  readonly patchOutDim?: number | undefined;
  readonly sharedHead: boolean;
}

/**
 * The iBOT head's rule (`createIbotHead`): a shared head projects the patches with the [CLS]
 * prototypes, so its `patchOutDim`, when given, is `outDim`.
 *
 * @param key - where the section is (`head`, `tokenizer.head`).
 */
export function headProblems(head: HeadSection, key = 'head'): ConfigProblem[] {
  if (!head.sharedHead || head.patchOutDim === undefined || head.patchOutDim === head.outDim) return [];
  return [
    {
      key: `${key}.patchOutDim`,
      expected: `${key}.outDim (${head.outDim}) while ${key}.sharedHead is true: a shared head projects patches with the [CLS] prototypes (or set ${key}.sharedHead: false)`,
      actual: head.patchOutDim,
    },
  ];
}
