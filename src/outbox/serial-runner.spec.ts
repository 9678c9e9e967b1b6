import { SerialRunner } from './serial-runner';

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe(SerialRunner.name, () => {
  it('should never run twice at once, and run once more for triggers that came during a run', async () => {
    const first = gate();
    let runs = 0;
    let concurrent = 0;
    let most = 0;
    const runner = new SerialRunner(async () => {
      runs++;
      most = Math.max(most, ++concurrent);
      if (runs === 1) await first.promise;
      concurrent--;
    });
    runner.trigger();
    runner.trigger();
    runner.trigger();
    expect(runs).toBe(1);
    first.open();
    await runner.drain();
    // The first run, then one more for every trigger made while it ran (drain's own among them).
    expect(runs).toBe(2);
    expect(most).toBe(1);
    await runner.stop(0);
  });

  it('should not run after stop, and stop waits for a run at most waitMs', async () => {
    const never = gate();
    let runs = 0;
    const runner = new SerialRunner(async () => {
      runs++;
      await never.promise;
    });
    runner.trigger();
    const started = Date.now();
    await runner.stop(50);
    expect(Date.now() - started).toBeLessThan(1000);
    runner.trigger();
    expect(runs).toBe(1);
    expect(runner.isStopped).toBe(true);
  });
});
