import { describe, expect, it } from 'vitest';
import { createDinoRecipe } from './dino/dino-recipe.js';
import { createIbotRecipe } from './ibot/ibot-recipe.js';
import { createMaeRecipe } from './mae/mae-recipe.js';
import { createBeitRecipe } from './beit/beit-recipe.js';
import { createDinov2StyleRecipe } from './dinov2/dinov2-recipe.js';
import { createDvaeTokenizer } from './beit/dvae-tokenizer.js';
import { createFrozenTeacherTokenizer } from './beit/frozen-teacher-tokenizer.js';
import { createKmeansTokenizer } from './beit/kmeans-tokenizer.js';

describe('recipe and tokenizer factories', () => {
  it('every recipe and tokenizer factory refuses null or missing options with INVALID_ARGUMENT, not a TypeError', () => {
    const factories: [string, (options: never) => unknown][] = [
      ['createDinoRecipe', createDinoRecipe],
      ['createIbotRecipe', createIbotRecipe],
      ['createMaeRecipe', createMaeRecipe],
      ['createBeitRecipe', createBeitRecipe],
      ['createDinov2StyleRecipe', (options) => createDinov2StyleRecipe({} as never, options)],
      ['createDvaeTokenizer', createDvaeTokenizer],
      ['createFrozenTeacherTokenizer', createFrozenTeacherTokenizer],
      ['createKmeansTokenizer', createKmeansTokenizer],
    ];
    for (const [name, create] of factories) {
      for (const options of [null, undefined]) {
        expect(() => create(options as never), `${name}(${String(options)})`).toThrow(
          expect.objectContaining({ name: 'SslError', code: 'INVALID_ARGUMENT', message: expect.stringContaining(`${name}(options): expected an options object`) }),
        );
      }
    }
  });
});
