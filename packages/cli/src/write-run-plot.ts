import { join } from 'node:path';
import { isSslError } from '@selfsup/core';
import { svgToPng } from './plot/svg-to-png.js';
import { writeRunFile } from './run-files.js';

/**
 * Writes `plot.svg` and `plot.png` into the run folder; where `@resvg/resvg-js` has no binary for
 * the platform, only the SVG, with a note.
 *
 * @returns the PNG's path, or the SVG's when there is no PNG.
 */
export async function writeRunPlot(outDir: string, svg: string, log: (line: string) => void): Promise<string> {
  const svgPath = join(outDir, 'plot.svg');
  await writeRunFile(svgPath, svg);
  let png: Uint8Array;
  try {
    png = await svgToPng(svg);
  } catch (error) {
    if (!isSslError(error, 'NOT_SUPPORTED')) throw error;
    log(`note: plot.png not written (plot.svg was): ${error.message}`);
    return svgPath;
  }
  const pngPath = join(outDir, 'plot.png');
  await writeRunFile(pngPath, png);
  return pngPath;
}
