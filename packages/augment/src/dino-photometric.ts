import { invalidArgument } from '@selfsup/core';
import { resolveColorJitter, type ColorJitterOptions, type ResolvedColorJitter } from './color-jitter.js';
import { checkProbability } from './validate.js';

/** DINO's and iBOT's colour jitter: `ColorJitter(0.4, 0.4, 0.2, 0.1)` applied with p = 0.8. */
export const DINO_COLOR_JITTER: Readonly<Required<ColorJitterOptions>> = {
  brightness: 0.4,
  contrast: 0.4,
  saturation: 0.2,
  hue: 0.1,
  p: 0.8,
};

/** Blur probabilities of the three kinds of DINO-style views; 0 leaves that kind unblurred (and draws nothing). */
export interface PresetBlurProbabilities {
  /** Probability of blurring the first global view. @defaultValue 1 */
  firstGlobal?: number;
  /** Probability of blurring the second and later global views. @defaultValue 0.1 */
  otherGlobals?: number;
  /** Probability of blurring each local view. @defaultValue 0.5 */
  local?: number;
}

/** DINO's and iBOT's blur: always on the first global view, p 0.1 on the others, p 0.5 on local views. */
export const DINO_BLUR_PROBABILITIES: Readonly<Required<PresetBlurProbabilities>> = {
  firstGlobal: 1,
  otherGlobals: 0.1,
  local: 0.5,
};

/** The photometric options of a DINO-style preset, as given (see `MultiCropPresetOptions`). */
export interface DinoPhotometricOptions {
  flipProbability?: number;
  colorJitter?: ColorJitterOptions | false;
  grayscaleProbability?: number;
  blur?: PresetBlurProbabilities | false;
  solarizeProbability?: number;
}

/** Validated photometric settings; a disabled transform is `null` or probability 0. */
export interface DinoPhotometric {
  readonly flipProbability: number;
  readonly colorJitter: ResolvedColorJitter | null;
  readonly grayscaleProbability: number;
  readonly blur: Readonly<Required<PresetBlurProbabilities>>;
  readonly solarizeProbability: number;
}

function resolveJitter(where: string, jitter: ColorJitterOptions | false | undefined): ResolvedColorJitter | null {
  if (jitter === false) return null;
  if (jitter !== undefined && (jitter === null || typeof jitter !== 'object')) {
    throw invalidArgument({
      argument: `${where}(options.colorJitter)`,
      expected: 'colour-jitter options { brightness, contrast, saturation, hue, p } or false',
      actual: jitter,
      fix: 'Pass false (or { p: 0 }) to turn colour jitter off; missing fields keep DINO_COLOR_JITTER.',
    });
  }
  const defined = Object.entries(jitter ?? {}).filter(([, value]) => value !== undefined);
  const resolved = resolveColorJitter(`${where}(options.colorJitter)`, { ...DINO_COLOR_JITTER, ...Object.fromEntries(defined) });
  return resolved.p > 0 ? resolved : null;
}

function resolveBlurProbabilities(
  where: string,
  blur: PresetBlurProbabilities | false | undefined,
): Readonly<Required<PresetBlurProbabilities>> {
  if (blur === false) return { firstGlobal: 0, otherGlobals: 0, local: 0 };
  const known = Object.keys(DINO_BLUR_PROBABILITIES);
  if (blur !== undefined && (blur === null || typeof blur !== 'object' || Array.isArray(blur))) {
    throw invalidArgument({
      argument: `${where}(options.blur)`,
      expected: `blur probabilities { ${known.join(', ')} } or false`,
      actual: blur,
      fix: 'Pass false to turn blur off; missing fields keep DINO_BLUR_PROBABILITIES (1, 0.1, 0.5).',
    });
  }
  const unknown = Object.keys(blur ?? {}).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw invalidArgument({
      argument: `${where}(options.blur.${unknown[0]})`,
      expected: `one of the keys ${known.join(', ')}`,
      actual: unknown[0],
      fix: 'Blur probabilities are per kind of view: firstGlobal, otherGlobals, local (the radius is the option blurRadius).',
    });
  }
  const probability = (key: keyof PresetBlurProbabilities): number =>
    checkProbability(`${where}(options.blur.${key})`, blur?.[key] ?? DINO_BLUR_PROBABILITIES[key]);
  return { firstGlobal: probability('firstGlobal'), otherGlobals: probability('otherGlobals'), local: probability('local') };
}

/**
 * Validates the photometric options of a DINO-style preset and fills DINO's values for the missing
 * ones: flip p 0.5, {@link DINO_COLOR_JITTER}, grayscale p 0.2, {@link DINO_BLUR_PROBABILITIES},
 * solarization p 0.2 (second and later global views). Colour jitter with p 0 becomes `null`.
 *
 * @param where - the preset's name, for error messages (`smallGrayscalePreset`).
 */
export function resolveDinoPhotometric(where: string, options: DinoPhotometricOptions): DinoPhotometric {
  return {
    flipProbability: checkProbability(`${where}(options.flipProbability)`, options.flipProbability ?? 0.5),
    colorJitter: resolveJitter(where, options.colorJitter),
    grayscaleProbability: checkProbability(`${where}(options.grayscaleProbability)`, options.grayscaleProbability ?? 0.2),
    blur: resolveBlurProbabilities(where, options.blur),
    solarizeProbability: checkProbability(`${where}(options.solarizeProbability)`, options.solarizeProbability ?? 0.2),
  };
}
