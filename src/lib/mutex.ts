/**
 * Runs async sections one at a time, in call order. The unify stage and the
 * profile mutations of the API (split, consent, erasure) share one, so each
 * sees the identity store as the other left it.
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(section);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
