/**
 * @module
 * Whether the command that ran leaves the process serving. The process entry exits once a command returns, except
 * after one that holds it open (`serve`); asking the command itself, rather than reading argv, keeps that right
 * whatever global options precede the command name.
 */

let held = false;

/** Called by a command whose work continues after its action resolves (listening sockets, workers). */
export function holdProcessOpen(): void {
  held = true;
}

export function processHeldOpen(): boolean {
  return held;
}
