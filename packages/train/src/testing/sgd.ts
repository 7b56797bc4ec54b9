// Plain gradient descent, p <- p - learningRate * g, as a second real optimizer for the tests: its
// update shows the exact gradient the step handed over (AdamW's first step only shows its sign).
import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '@selfsup/core';
import type { StepOptimizer } from '../train-step.js';

export interface Sgd extends StepOptimizer {
  /** The names of the parameters updated by the last step. */
  readonly lastUpdated: readonly string[];
}

export function createSgd(parameters: readonly Parameter[], learningRate: number): Sgd {
  const byName = new Map(parameters.map((p) => [p.name, p]));
  let lastUpdated: string[] = [];
  return {
    get lastUpdated() {
      return lastUpdated;
    },
    step(gradients, iteration) {
      lastUpdated = [...gradients.keys()];
      tf.tidy(() => {
        for (const [name, gradient] of gradients) {
          const variable = byName.get(name)!.variable;
          variable.assign(tf.sub(variable, tf.mul(gradient, tf.scalar(learningRate))));
        }
      });
      return { learningRate, weightDecay: iteration * 0 };
    },
  };
}
