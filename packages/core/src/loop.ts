/** Loop is a periodic task that never overlaps itself. */
export interface Loop {
  /** trigger runs the task as soon as the current run (if any) ends, instead of waiting for the interval. */
  trigger(): void;
  /** stop cancels the timer and resolves once an in-flight run has settled. */
  stop(): Promise<void>;
}

/**
 * startLoop runs `task` now and then every interval after each run ends (so a slow run delays only its own next
 * run), reporting failures to `onError`. `intervalMs` may be a function, read after each run, for adaptive polling.
 * Timers are unref'd: a loop never keeps the process alive by itself.
 */
export function startLoop(task: () => Promise<void>, o: { intervalMs: number | (() => number); onError?: (err: unknown) => void; delayFirst?: boolean }): Loop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let again = false;
  const interval = () => (typeof o.intervalMs === 'function' ? o.intervalMs() : o.intervalMs);
  const schedule = (ms: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(run, ms);
    timer.unref();
  };
  const run = () => {
    if (stopped || running) return;
    running = (async () => {
      try {
        await task();
      } catch (err) {
        o.onError?.(err);
      }
    })().finally(() => {
      running = undefined;
      schedule(again ? 0 : interval());
      again = false;
    });
  };
  schedule(o.delayFirst ? interval() : 0);
  return {
    trigger() {
      if (running) again = true;
      else schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
