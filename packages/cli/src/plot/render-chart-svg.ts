import type { TopLevelSpec } from 'vega-lite';

/**
 * Renders a Vega-Lite specification to SVG text, headless: Vega-Lite compiles it to Vega, and a
 * Vega view without a renderer draws it (text is measured by estimate, no canvas is needed). The
 * libraries are loaded on the first call, so commands that draw nothing do not pay for them.
 *
 * @example
 * ```ts
 * const svg = await renderChartSvg({
 *   data: { values: [{ step: 1, loss: 6.9 }, { step: 2, loss: 6.1 }] },
 *   mark: 'line',
 *   encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative' } },
 * });
 * writeFileSync('loss.svg', svg);
 * ```
 */
export async function renderChartSvg(spec: TopLevelSpec): Promise<string> {
  const [vegaLite, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
