import type { MethodDefinition } from './method-definition.js';
import { ibotMethod } from './ibot/ibot-method.js';
import { dinoMethod } from './dino/dino-method.js';
import { dinov2Method } from './dinov2/dinov2-method.js';
import { maeMethod } from './mae/mae-method.js';
import { beitMethod } from './beit/beit-method.js';

/**
 * The built-in methods, in the order `--help` lists them. The command line reads this list; adding
 * a method is one folder exporting its {@link MethodDefinition} and one line here.
 */
export const METHODS: readonly MethodDefinition[] = [ibotMethod, dinoMethod, dinov2Method, maeMethod, beitMethod];
