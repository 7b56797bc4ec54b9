/** The part of a `MessageChannel` port used here (the DOM's and Node's types differ). */
interface Port {
  onmessage: ((event: unknown) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

type MacrotaskGlobals = {
  setImmediate?: (callback: () => void) => unknown;
  MessageChannel?: new () => { port1: Port; port2: Port };
};

/**
 * Runs `task` in a later macrotask: when the code running now (a training step) yields the event
 * loop, never inside it and never before the current microtasks. Node's `setImmediate` where there
 * is one; in a browser (which has none) a `MessageChannel` message, which, unlike `setTimeout(0)`,
 * is not clamped to 4 ms once calls nest; `setTimeout(0)` where neither exists.
 */
export function runAsMacrotask(task: () => void): void {
  const { setImmediate: immediate, MessageChannel: Channel } = globalThis as unknown as MacrotaskGlobals;
  if (typeof immediate === 'function') {
    immediate(task);
    return;
  }
  if (typeof Channel !== 'function') {
    setTimeout(task, 0);
    return;
  }
  const channel = new Channel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    task();
  };
  channel.port2.postMessage(undefined);
}
