import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { PALETTE, renderLineCharts } from './line-chart.js';

function decode(bytes: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(bytes));
}

function countColor(png: PNG, [r, g, b]: readonly number[]): number {
  let count = 0;
  for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === r && png.data[i + 1] === g && png.data[i + 2] === b) count++;
  return count;
}

describe('renderLineCharts', () => {
  it('draws a PNG of the requested size with each series in its colour', () => {
    const bytes = renderLineCharts({
      width: 400,
      height: 300,
      title: 'test',
      panels: [
        {
          title: 'a',
          xLabel: 'x',
          yLabel: 'y',
          series: [
            { name: 'up', points: [[0, 0], [10, 10]], color: PALETTE[0]! },
            { name: 'down', points: [[0, 10], [10, 0]], color: PALETTE[1]! },
          ],
        },
      ],
    });
    expect([...bytes.slice(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]); // the PNG signature
    const png = decode(bytes);
    expect([png.width, png.height]).toEqual([400, 300]);
    // both lines are drawn with fully covered pixels of their colour
    expect(countColor(png, PALETTE[0]!)).toBeGreaterThan(100);
    expect(countColor(png, PALETTE[1]!)).toBeGreaterThan(100);
  });

  it('draws a panel without points, and refuses no panel', () => {
    const png = decode(renderLineCharts({ panels: [{ title: 'empty', xLabel: 'x', yLabel: 'y', series: [] }], width: 300, height: 200 }));
    expect(png.width).toBe(300);
    expect(() => renderLineCharts({ panels: [] })).toThrow(/at least one panel/);
  });
});
