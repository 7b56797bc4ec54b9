import { describe, expect, it } from 'vitest';
import type { KnnLine, RunMetrics, StepLine } from '../run-metrics.js';
import { renderTrainingPlot } from './training-plot.js';
import { legendPlace, smoothSeries, trainingPlotSpec } from './training-plot-spec.js';

/** The line marks of a Vega SVG: series (from the ARIA label), points in the path, colour, faint or not. */
function lineMarks(svg: string): { series: string; points: number; stroke: string; faint: boolean; dashed: boolean }[] {
  return [...svg.matchAll(/<path [^>]*aria-roledescription="line mark"[^>]*>/g)].map(([tag]) => ({
    series: /series: ([^;"]+)/.exec(tag)![1]!,
    points: (/ d="([^"]*)"/.exec(tag)![1]!.match(/[ML]/g) ?? []).length,
    stroke: /stroke="([^"]+)"/.exec(tag)![1]!,
    faint: /stroke-opacity="0\.3"/.test(tag),
    dashed: /stroke-dasharray="5,3"/.test(tag),
  }));
}

/** Every text of the SVG (titles, axis titles, tick and legend labels). */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
}

function steps(count: number, withParts: boolean): StepLine[] {
  return Array.from({ length: count }, (_, i) => ({
    iteration: i,
    epoch: 0,
    loss: 10 - i / count,
    terms: { ibot: 10 - i / count },
    ...(withParts ? { metrics: { cls: 6 - i / count, patch: 4, momentum: 0.996 } } : {}),
  }));
}

function knnLine(which: string, epoch: number, top1: number, top5: number): KnnLine {
  return { type: 'knn', epoch, iteration: epoch, step: epoch + 1, which, k: 20, temperature: 0.07, top1, top5, trainImages: 10, testImages: 5, seconds: 1, time: '' };
}

describe('renderTrainingPlot', () => {
  it('draws the loss with its parts, raw and smoothed when long, and the k-NN top-1 and top-5 of each backbone per epoch', async () => {
    const metrics: RunMetrics = {
      steps: steps(60, true),
      knn: [knnLine('teacher', -1, 20, 50), knnLine('student', -1, 21, 52), knnLine('teacher', 0, 40, 80), knnLine('student', 0, 35, 75), knnLine('teacher', 1, 55, 90), knnLine('student', 1, 50, 85)],
    };
    const svg = await renderTrainingPlot(metrics, { title: 'iBOT on fashion-mnist-subset', lossParts: ['cls', 'patch', 'missing'] });
    expect(svg.startsWith('<svg')).toBe(true);
    const labels = texts(svg);
    for (const text of ['iBOT on fashion-mnist-subset', 'Training loss', 'k-NN accuracy (k=20, T=0.07)', 'step', 'loss', 'accuracy (%)']) expect(labels).toContain(text);
    // the legends: the loss parts (one term, so `total` and the two metrics named; momentum is no part) and backbone x accuracy
    for (const text of ['total', 'cls', 'patch', 'teacher top-1', 'teacher top-5', 'student top-1', 'student top-5']) expect(labels).toContain(text);
    expect(labels).not.toContain('momentum');
    expect(labels).not.toContain('missing');

    const lines = lineMarks(svg);
    // 60 steps > 50: each loss series twice, raw (faint) and smoothed, 60 points each
    const loss = lines.filter((l) => ['total', 'cls', 'patch'].includes(l.series));
    expect(loss.map((l) => [l.series, l.faint, l.points])).toEqual([
      ['total', true, 60],
      ['cls', true, 60],
      ['patch', true, 60],
      ['total', false, 60],
      ['cls', false, 60],
      ['patch', false, 60],
    ]);
    expect(new Set(loss.map((l) => l.stroke)).size).toBe(3); // one colour per series
    // k-NN: 3 evaluations (before training, epochs 1 and 2) per line; teacher red, student purple; top-5 dashed and lighter
    const knn = lines.filter((l) => / top-[15]$/.test(l.series));
    expect(knn.map((l) => [l.series, l.points, l.dashed])).toEqual([
      ['teacher top-1', 3, false],
      ['teacher top-5', 3, true],
      ['student top-1', 3, false],
      ['student top-5', 3, true],
    ]);
    expect(knn.map((l) => l.stroke)).toEqual(['#d62728', '#e88889', '#9467bd', '#c4abdb']);
  });

  it('says so in a panel that has no lines yet', async () => {
    const labels = texts(await renderTrainingPlot({ steps: [], knn: [] }));
    expect(labels).toEqual(expect.arrayContaining(['Training loss', 'no steps yet', 'k-NN accuracy', 'no k-NN evaluation']));
  });
});

describe('trainingPlotSpec', () => {
  /** The loss series names of a spec (the colour domain of its loss panel). */
  function lossSeries(metrics: RunMetrics, lossParts?: string[]): string[] {
    const spec = JSON.stringify(trainingPlotSpec(metrics, lossParts ? { lossParts } : {}));
    return (JSON.parse(spec) as { hconcat: { layer: { encoding: { color: { scale: { domain: string[] } } } }[] }[] }).hconcat[0]!.layer[1]!.encoding.color.scale.domain;
  }

  it('names the total "loss" without parts, and draws several objectives as parts', () => {
    expect(lossSeries({ steps: steps(3, true), knn: [] })).toEqual(['loss']);
    expect(lossSeries({ steps: steps(3, true), knn: [] }, ['cls'])).toEqual(['total', 'cls']);
    const twoTerms = steps(3, false).map((s) => ({ ...s, terms: { dino: 1, koleo: 0.1 } }));
    expect(lossSeries({ steps: twoTerms, knn: [] })).toEqual(['total', 'dino', 'koleo']);
  });

  it('spans the accuracies in [0, 100] at multiples of 10, and counts epochs from 1 (0 before training)', () => {
    const spec = trainingPlotSpec({ steps: [], knn: [knnLine('teacher', -1, 22, 49), knnLine('teacher', 2, 61, 98.5)] }) as unknown as {
      hconcat: { data: { values: { epoch: number }[] }; encoding: { y: { scale: { domain: number[] } } } }[];
    };
    const knn = spec.hconcat[1]!;
    // min 22 - 2 = 20 -> 20; max 98.5 + 2 = 100.5 -> 110, clamped to 100
    expect(knn.encoding.y.scale.domain).toEqual([20, 100]);
    expect([...new Set(knn.data.values.map((v) => v.epoch))]).toEqual([0, 3]);
  });
});

describe('smoothSeries', () => {
  it('is the bias-corrected exponential moving average', () => {
    // a1 = 0.1 * 1 = 0.1, / (1 - 0.9) = 1; a2 = 0.9 * 0.1 + 0.1 * 2 = 0.29, / (1 - 0.81) = 1.526315...
    const [first, second] = smoothSeries([1, 2]);
    expect(first).toBeCloseTo(1, 12);
    expect(second).toBeCloseTo(0.29 / 0.19, 12);
    expect(smoothSeries([5, 5, 5])).toEqual([5, 5, 5].map(() => expect.closeTo(5, 12)));
  });
});

describe('legendPlace', () => {
  const size = { width: 540, height: 340 };
  it('puts the legend in the first corner (top right, top left, bottom right, bottom left) that hides no line, else outside', () => {
    const falling = [[1, 10], [100, 1]] as const; // top left to bottom right
    const rising = [[1, 1], [100, 10]] as const;
    expect(legendPlace([falling], ['total'], size)).toBe('top-right');
    expect(legendPlace([rising], ['top-1'], size)).toBe('top-left');
    expect(legendPlace([rising, [[1, 10], [50, 10]]], ['a', 'b'], size)).toBe('bottom-right');
    // flat lines along the top and the bottom cross every corner
    expect(legendPlace([[[0, 0], [1, 0]], [[0, 1], [1, 1]]], ['a', 'b'], size)).toBe('right');
    // with the y-domain given, a line in the middle leaves the corners free
    expect(legendPlace([[[0, 50], [4, 50]]], ['a'], { ...size, yDomain: [0, 100] })).toBe('top-right');
    expect(legendPlace([], ['a'], size)).toBe('top-right');
  });
});
