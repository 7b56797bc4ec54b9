import { PLAYGROUND_METHODS, PLAYGROUND_SIZES, type PlaygroundMethod, type PlaygroundSize } from '../options.js';
import type { Controls, SessionReport } from '../protocol.js';

/** What the panel asks the page to do. */
export interface ControlsPanelHandlers {
  restart(method: PlaygroundMethod, size: PlaygroundSize): void;
  setRunning(running: boolean): void;
  changeControls(controls: Controls): void;
  openCheckpoint(file: File): void;
  saveCheckpoint(): void;
}

/** The panel: method and size, run and pause, the three collapse knobs, and checkpoint open and save. */
export interface ControlsPanel {
  /** Shows the session's state (its controls, whether it runs, which knobs its method reads). */
  show(session: SessionReport): void;
}

const METHOD_TITLES: Record<PlaygroundMethod, string> = { ibot: 'iBOT', dino: 'DINO', mae: 'MAE-style' };
const SIZE_TITLES: Record<PlaygroundSize, string> = {
  readme: 'subset example ViT (dim 64, depth 4, batch 64)',
  tiny: 'tiny ViT (dim 32, depth 2, batch 32): faster',
};

interface Slider {
  readonly key: keyof Controls;
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly hint: string;
}

const SLIDERS: readonly Slider[] = [
  { key: 'teacherTemperature', label: 'Teacher temperature', min: 0.01, max: 0.4, step: 0.005, hint: 'high: flat targets, uniform collapse' },
  { key: 'momentum', label: 'Teacher momentum', min: 0, max: 1, step: 0.001, hint: '0: the teacher is the student' },
  { key: 'maskRatio', label: 'Masking ratio', min: 0, max: 0.9, step: 0.05, hint: 'share of patches hidden from the student' },
];

function element<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function select<T extends string>(id: string, label: string, options: readonly T[], titles: Record<T, string>, value: T): { row: HTMLElement; input: HTMLSelectElement } {
  const row = element('label', { for: id }, `${label} `);
  const input = element('select', { id });
  for (const option of options) input.append(element('option', { value: option }, titles[option]));
  input.value = value;
  row.append(input);
  return { row, input };
}

/** Builds the panel into `root`. */
export function createControlsPanel(root: HTMLElement, initial: { method: PlaygroundMethod; size: PlaygroundSize }, handlers: ControlsPanelHandlers): ControlsPanel {
  const method = select('method', 'Method', PLAYGROUND_METHODS, METHOD_TITLES, initial.method);
  const size = select('size', 'Model', PLAYGROUND_SIZES, SIZE_TITLES, initial.size);
  const restart = element('button', { id: 'restart', type: 'button' }, 'Start from scratch');
  const run = element('button', { id: 'run', type: 'button' }, 'Train');
  restart.addEventListener('click', () => handlers.restart(method.input.value as PlaygroundMethod, size.input.value as PlaygroundSize));
  let running = false;
  run.addEventListener('click', () => handlers.setRunning(!running));
  const setup = element('fieldset');
  setup.append(element('legend', {}, 'Run'), method.row, size.row, restart, run);

  const knobs = element('fieldset');
  knobs.append(element('legend', {}, 'Cause and cure collapse'));
  const inputs = new Map<keyof Controls, { input: HTMLInputElement; output: HTMLOutputElement; row: HTMLElement }>();
  let current: Controls | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  for (const slider of SLIDERS) {
    const id = `control-${slider.key}`;
    const row = element('label', { for: id, title: slider.hint }, `${slider.label} `);
    const input = element('input', { id, type: 'range', min: String(slider.min), max: String(slider.max), step: String(slider.step) });
    const output = element('output', { for: id });
    input.addEventListener('input', () => {
      output.value = input.value;
      clearTimeout(timer);
      // one rebuild when the hand stops moving
      timer = setTimeout(() => {
        if (!current) return;
        const next = { ...current, [slider.key]: Number(input.value) };
        handlers.changeControls(next);
      }, 300);
    });
    row.append(input, output, element('small', {}, ` ${slider.hint}`));
    knobs.append(row);
    inputs.set(slider.key, { input, output, row });
  }

  const files = element('fieldset');
  const open = element('input', { id: 'checkpoint-file', type: 'file', accept: '.safetensors' });
  const save = element('button', { id: 'save-checkpoint', type: 'button' }, 'Save checkpoint');
  open.addEventListener('change', () => {
    const file = open.files?.[0];
    if (file) handlers.openCheckpoint(file);
    open.value = '';
  });
  save.addEventListener('click', () => handlers.saveCheckpoint());
  const openLabel = element('label', { for: 'checkpoint-file' }, 'Open a checkpoint of selfsup pretrain (or drop it on the page): ');
  openLabel.append(open);
  files.append(element('legend', {}, 'Checkpoints'), openLabel, save);
  root.append(setup, knobs, files);

  return {
    show(session) {
      current = session.controls;
      running = session.running;
      run.textContent = running ? 'Pause' : 'Train';
      method.input.value = session.method;
      size.input.value = session.size;
      for (const [key, { input, output, row }] of inputs) {
        input.value = String(session.controls[key]);
        output.value = input.value;
        input.disabled = !session.usesControls[key];
        row.classList.toggle('unused', !session.usesControls[key]);
      }
    },
  };
}
