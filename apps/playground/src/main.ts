// The page: it draws what the training worker reports and sends it the user's wishes. All of
// TensorFlow.js runs in the worker (src/trainer.worker.ts), so the page stays responsive.
import './style.css';
import { PLAYGROUND_BACKENDS, PLAYGROUND_METHODS, PLAYGROUND_SIZES, checkChoice, checkEvery, type PlaygroundMethod, type PlaygroundSize } from './options.js';
import type { PageMessage, SessionSpec, WorkerMessage } from './protocol.js';
import { createPageRecord, type PageRecord } from './page-record.js';
import { parseOverride } from './overrides.js';
import { collapseVerdict } from './ui/collapse-verdict.js';
import { createControlsPanel } from './ui/controls-panel.js';
import { createLineChart, type LineChart } from './ui/line-chart.js';
import { drawRaster } from './ui/raster-canvas.js';

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`index.html lacks #${id}`);
  return node as T;
}

/**
 * The session the address asks for, for example
 * `?method=dino&size=tiny&backend=wasm&set=batchSize=16&knnEvery=20&knnTrain=200&knnTest=100&picturesEvery=5&autorun=0`.
 */
function specFromAddress(): { spec: SessionSpec; autorun: boolean } {
  const query = new URLSearchParams(location.search);
  const spec: SessionSpec = {
    method: checkChoice('method', query.get('method'), PLAYGROUND_METHODS, 'ibot'),
    size: checkChoice('size', query.get('size'), PLAYGROUND_SIZES, 'readme'),
    backend: checkChoice('backend', query.get('backend'), PLAYGROUND_BACKENDS, 'auto'),
    overrides: query.getAll('set').map(parseOverride),
    knnEverySteps: checkEvery('knnEvery', query.get('knnEvery'), 50),
    knnTrainImages: checkEvery('knnTrain', query.get('knnTrain'), 1000),
    knnTestImages: checkEvery('knnTest', query.get('knnTest'), 500),
    picturesEverySteps: checkEvery('picturesEvery', query.get('picturesEvery'), 10),
  };
  return { spec, autorun: query.get('autorun') !== '0' };
}

function showProblem(message: string): void {
  const problems = byId('problems');
  const item = document.createElement('p');
  item.className = 'problem';
  item.textContent = message;
  problems.replaceChildren(item);
}

function download(name: string, bytes: ArrayBuffer): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

interface Charts {
  loss: LineChart;
  knn: LineChart;
  collapse: LineChart;
  lossSeries: string[];
  /** Where the charted weights came from: a loaded checkpoint starts new curves. */
  origin?: string;
}

function createCharts(): Charts {
  return {
    loss: createLineChart(byId('loss-chart'), 'step', ['loss']),
    knn: createLineChart(byId('knn-chart'), 'step', ['top-1 %', 'top-5 %'], { yRange: [0, 100] }),
    collapse: createLineChart(byId('collapse-chart'), 'step', ['per-image entropy', 'entropy of the mean', 'KL to uniform']),
    lossSeries: ['loss'],
  };
}

function resetCharts(charts: Charts): void {
  charts.loss.reset(['loss']);
  charts.lossSeries = ['loss'];
  charts.knn.reset(['top-1 %', 'top-5 %']);
  charts.collapse.reset(['per-image entropy', 'entropy of the mean', 'KL to uniform']);
}

function onWorkerMessage(message: WorkerMessage, record: PageRecord, charts: Charts, panel: ReturnType<typeof createControlsPanel>): void {
  record.receive(message);
  switch (message.type) {
    case 'session': {
      const { session } = message;
      if (charts.origin !== undefined && charts.origin !== session.origin) resetCharts(charts);
      charts.origin = session.origin;
      byId('backend').textContent = `${session.title} on ${session.backend.name}${session.backend.adapter ? ` (${session.backend.adapter})` : ''}: ${session.backend.reason}`;
      byId('status').textContent =
        `${session.title}, ${session.parameters.toLocaleString('en')} trainable parameters, ${session.iterationsPerEpoch} steps per epoch, ` +
        `weights from ${session.origin}${session.running ? '; training' : `; paused at step ${session.iteration}`}`;
      panel.show(session);
      return;
    }
    case 'step': {
      const { step } = message;
      const terms = Object.keys(step.terms);
      const series = ['loss', ...(terms.length > 1 ? terms : [])];
      if (series.join() !== charts.lossSeries.join()) {
        charts.loss.reset(series);
        charts.lossSeries = series;
      }
      charts.loss.append(step.iteration, [step.loss, ...series.slice(1).map((t) => step.terms[t] ?? null)]);
      byId('memory').textContent =
        `step ${step.iteration} (epoch ${step.epoch}): loss ${step.loss.toFixed(4)}, ${step.milliseconds.toFixed(0)} ms, ` +
        `learning rate ${step.learningRate.toExponential(2)}, gradient norm ${step.gradNorm.toFixed(3)}; ` +
        `tf.memory(): ${step.numTensors} tensors, ${(step.numBytes / 2 ** 20).toFixed(1)} MiB`;
      return;
    }
    case 'knn':
      charts.knn.append(message.iteration, [message.top1, message.top5]);
      return;
    case 'collapse': {
      const { collapse } = message;
      charts.collapse.append(collapse.iteration, [collapse.meanEntropy, collapse.entropyOfMean, collapse.klToUniform]);
      const verdict = collapseVerdict(collapse);
      const node = byId('collapse-verdict');
      node.textContent = verdict.text;
      node.dataset.level = verdict.level;
      return;
    }
    case 'pictures':
      for (const name of ['attention', 'pca', 'masks', 'reconstructions'] as const) {
        drawRaster(byId<HTMLCanvasElement>(`${name}-canvas`), byId(`${name}-note`), message.pictures[name]);
      }
      return;
    case 'checkpoint-saved':
      download(message.name, message.bytes);
      byId('status').textContent = `saved ${message.name} (${(message.bytes.byteLength / 2 ** 20).toFixed(2)} MiB): selfsup eval knn --checkpoint ${message.name}`;
      return;
    case 'problem':
      showProblem(message.message);
      return;
    case 'status':
      byId('status').textContent = message.text;
      return;
    case 'class-features':
      return;
  }
}

function main(): void {
  let address: ReturnType<typeof specFromAddress>;
  try {
    address = specFromAddress();
  } catch (error) {
    showProblem(error instanceof Error ? error.message : String(error));
    return;
  }
  const { spec, autorun } = address;
  byId('knn-caption').textContent =
    `k-NN accuracy (%) of ${Math.min(spec.knnTestImages, 500)} held-out images against ${Math.min(spec.knnTrainImages, 1000)} training images (weighted, k=20, T=0.07)`;
  const worker = new Worker(new URL('./trainer.worker.ts', import.meta.url), { type: 'module' });
  const send = (message: PageMessage, transfer: Transferable[] = []) => worker.postMessage(message, transfer);
  const record = createPageRecord(send);
  const charts = createCharts();
  let current = spec;
  const openCheckpoint = async (file: File) => {
    byId('problems').replaceChildren();
    byId('status').textContent = `reading ${file.name}`;
    const bytes = await file.arrayBuffer();
    send({ type: 'load-checkpoint', name: file.name, bytes }, [bytes]);
  };
  const panel = createControlsPanel(byId('controls'), spec, {
    restart: (method: PlaygroundMethod, size: PlaygroundSize) => {
      byId('problems').replaceChildren();
      current = { ...current, method, size };
      resetCharts(charts);
      send({ type: 'start', spec: current });
    },
    setRunning: (running) => send({ type: 'run', running }),
    changeControls: (controls) => send({ type: 'controls', controls }),
    openCheckpoint: (file) => void openCheckpoint(file),
    saveCheckpoint: () => send({ type: 'save-checkpoint' }),
  });
  worker.onmessage = (event: MessageEvent<WorkerMessage>) => onWorkerMessage(event.data, record, charts, panel);
  worker.onerror = (event) => showProblem(`the training worker failed: ${event.message}`);
  // drop a .safetensors anywhere on the page
  document.addEventListener('dragover', (event) => event.preventDefault());
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    const file = event.dataTransfer?.files[0];
    if (file) void openCheckpoint(file);
  });
  send({ type: 'start', spec });
  if (autorun) send({ type: 'run', running: true });
}

main();
