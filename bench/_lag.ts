/**
 * Event-loop lag: a 1 ms interval timer that records how late each tick fires,
 * in milliseconds. What the dispose and nonblocking-call benchmarks report.
 *
 * @module
 */

/** A running 1 ms timer and the lag of each of its ticks; dispose it to stop it. */
export class LagTimer implements Disposable {
  /** How late each tick fired since the last restart, in ms. */
  readonly lags: number[] = [];
  #last = performance.now();
  readonly #timer = setInterval(() => {
    const now = performance.now();
    this.lags.push(Math.max(0, now - this.#last - 1));
    this.#last = now;
  }, 1);

  /** Forgets the ticks so far: what follows is measured from now. */
  restart(): void {
    this.lags.length = 0;
    this.#last = performance.now();
  }

  [Symbol.dispose](): void {
    clearInterval(this.#timer);
  }
}
