import { fileURLToPath } from 'node:url';
import { SslError, invalidArgument } from '@selfsup/core';

/** Options of {@link svgToPng}. */
export interface SvgToPngOptions {
  /**
   * PNG pixels per SVG pixel (2 gives sharp text on high-density screens and in documents).
   * @defaultValue 2
   */
  readonly scale?: number;
  /**
   * Also load the system's fonts, for characters that the bundled DejaVu Sans lacks (CJK, ...).
   * Without them the picture is the same on every machine.
   * @defaultValue true
   */
  readonly systemFonts?: boolean;
}

/** DejaVu Sans, shipped with the package (Bitstream Vera licence, `assets/fonts/LICENSE-DejaVu.txt`). */
const BUNDLED_FONT = fileURLToPath(new URL('../../assets/fonts/DejaVuSans.ttf', import.meta.url));

type Resvg = typeof import('@resvg/resvg-js');

async function loadResvg(): Promise<Resvg> {
  try {
    return await import('@resvg/resvg-js');
  } catch (error) {
    throw new SslError(
      'NOT_SUPPORTED',
      `svgToPng: @resvg/resvg-js cannot be loaded on ${process.platform}-${process.arch} (${(error as Error).message.split('\n')[0]}). ` +
        'Install it with `npm install @resvg/resvg-js` (it ships prebuilt binaries for Linux, macOS, Windows and Android), or use the SVG.',
      { cause: error },
    );
  }
}

/**
 * Rasterises SVG text to PNG bytes with resvg, on a white background. Text is drawn with the
 * bundled DejaVu Sans (the `sans-serif` family and the default), so it renders on a machine without
 * fonts; the system's fonts are loaded too (`systemFonts`), for characters DejaVu lacks.
 *
 * @throws SslError `NOT_SUPPORTED` when `@resvg/resvg-js` has no binary for this platform.
 * @example
 * ```ts
 * writeFileSync('plot.png', await svgToPng(await renderChartSvg(spec)));
 * ```
 */
export async function svgToPng(svg: string, options: SvgToPngOptions = {}): Promise<Uint8Array> {
  const scale = options.scale ?? 2;
  if (!(Number.isFinite(scale) && scale > 0)) {
    throw invalidArgument({ argument: 'svgToPng(options.scale)', expected: 'a number > 0', actual: scale });
  }
  const { renderAsync } = await loadResvg();
  const image = await renderAsync(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { fontFiles: [BUNDLED_FONT], loadSystemFonts: options.systemFonts ?? true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return new Uint8Array(image.asPng());
}
