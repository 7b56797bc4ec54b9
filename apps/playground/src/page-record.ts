import type { CollapseReport, PageMessage, SessionReport, StepReport, WorkerMessage } from './protocol.js';

/**
 * What the page has received, kept as plain data: the browser tests read it (`window.playground`)
 * instead of scraping the DOM, and ask the worker for the [CLS] features of held-out images.
 */
export interface PageRecordData {
  readonly session: SessionReport | undefined;
  readonly steps: readonly StepReport[];
  readonly knn: readonly { iteration: number; top1: number; top5: number; milliseconds: number }[];
  readonly collapse: readonly CollapseReport[];
  /** The iterations at which pictures arrived. */
  readonly pictures: readonly number[];
  readonly problems: readonly { message: string; code?: string }[];
  readonly saved: readonly string[];
}

/** {@link PageRecordData} and how the page fills it. */
export interface PageRecord extends PageRecordData {
  receive(message: WorkerMessage): void;
  /** The raw [CLS] features of the first `count` held-out images, from the worker's model. */
  classFeatures(count: number, which: 'teacher' | 'student'): Promise<{ shape: number[]; values: number[] }>;
}

declare global {
  interface Window {
    /** The page's record, for tests and curious users (open the console). */
    playground?: PageRecord;
  }
}

/** Creates the record and publishes it as `window.playground`. */
export function createPageRecord(send: (message: PageMessage) => void): PageRecord {
  let session: SessionReport | undefined;
  const steps: StepReport[] = [];
  const knn: PageRecord['knn'][number][] = [];
  const collapse: CollapseReport[] = [];
  const pictures: number[] = [];
  const problems: { message: string; code?: string }[] = [];
  const saved: string[] = [];
  const waiting = new Map<number, (features: { shape: number[]; values: number[] }) => void>();
  let nextRequest = 1;
  const record: PageRecord = {
    get session() {
      return session;
    },
    steps,
    knn,
    collapse,
    pictures,
    problems,
    saved,
    receive(message) {
      switch (message.type) {
        case 'session':
          session = message.session;
          return;
        case 'step':
          steps.push(message.step);
          return;
        case 'knn':
          knn.push({ iteration: message.iteration, top1: message.top1, top5: message.top5, milliseconds: message.milliseconds });
          return;
        case 'collapse':
          collapse.push(message.collapse);
          return;
        case 'pictures':
          pictures.push(message.pictures.iteration);
          return;
        case 'problem':
          problems.push({ message: message.message, ...(message.code ? { code: message.code } : {}) });
          return;
        case 'checkpoint-saved':
          saved.push(message.name);
          return;
        case 'class-features':
          waiting.get(message.requestId)?.({ shape: [...message.shape], values: [...message.values] });
          waiting.delete(message.requestId);
          return;
        case 'status':
          return;
      }
    },
    classFeatures(count, which) {
      const requestId = nextRequest++;
      return new Promise((resolve) => {
        waiting.set(requestId, resolve);
        send({ type: 'class-features', requestId, count, which });
      });
    },
  };
  window.playground = record;
  return record;
}
