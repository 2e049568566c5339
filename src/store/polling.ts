/**
 * Runs `refresh` every `intervalMs` (unref'd, never overlapping: a refresh still running skips the tick).
 * Returns the function that stops it.
 */
export function startPolling(
  refresh: () => Promise<void>,
  intervalMs: number,
  onError: (error: unknown) => void,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    refresh()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
