/**
 * @module A stdio client transport (the SDK `Transport` contract) that runs the server in its own process
 * group with an environment we build, not one inherited from the gateway. The SDK's `StdioClientTransport`
 * merges a default environment and spawns into the gateway's group, so a server launched through `npx`
 * leaves its grandchildren behind on shutdown (the leak MetaMCP #162/#128 describe) and could read
 * variables we never meant to pass.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type JSONRPCMessage, ReadBuffer, serializeMessage, type Transport } from '@modelcontextprotocol/client';

/** The only variables a stdio server inherits from the gateway; everything else must be listed in its config. */
const INHERITED = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR', 'SYSTEMROOT'];

export function minimalEnvironment(extra: Record<string, string>, source: NodeJS.ProcessEnv = process.env) {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

export interface ProcessGroupStdioOptions {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string | null;
  onStderr?: (line: string) => void;
  /** How long to wait after SIGTERM before SIGKILL. */
  killGraceMs?: number;
}

export class ProcessGroupStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private child: ChildProcess | null = null;
  private readonly buffer = new ReadBuffer();
  private readonly inbox: JSONRPCMessage[] = [];
  private delivering = false;
  private readonly options: ProcessGroupStdioOptions;

  constructor(options: ProcessGroupStdioOptions) {
    this.options = options;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  start(): Promise<void> {
    if (this.child) throw new Error('ProcessGroupStdioTransport already started');
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.command, this.options.args, {
        env: this.options.env,
        cwd: this.options.cwd ?? undefined,
        stdio: ['pipe', 'pipe', 'pipe'],
        shell: false,
        // A new process group: close() signals the whole group, grandchildren included.
        detached: true,
      });
      this.child = child;
      child.once('error', (error) => {
        reject(error);
        this.onerror?.(error);
      });
      child.once('spawn', () => resolve());
      child.once('close', () => {
        this.child = null;
        for (let message = this.inbox.shift(); message !== undefined; message = this.inbox.shift())
          this.onmessage?.(message);
        this.onclose?.();
      });
      child.stdin?.on('error', (error) => this.onerror?.(error));
      child.stdout?.on('data', (chunk: Buffer) => this.receive(chunk));
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (text: string) => {
        for (const line of text.split('\n')) if (line.length > 0) this.options.onStderr?.(line);
      });
    });
  }

  private receive(chunk: Buffer): void {
    this.buffer.append(chunk);
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.buffer.readMessage();
      } catch (error) {
        this.onerror?.(error as Error);
        continue;
      }
      if (message === null) break;
      this.inbox.push(message);
    }
    if (!this.delivering) this.deliver();
  }

  /**
   * One message per turn of the event loop when a chunk holds several. The SDK client runs a notification's
   * handler a microtask later but settles a response at once, dropping the request's progress handler: a
   * `notifications/progress` and the result read from one chunk lost the progress (the conformance suite's
   * tools-call-with-progress saw 2 of 3 over stdio, now and then). Waiting for the next turn lets the handler run.
   */
  private deliver(): void {
    const message = this.inbox.shift();
    if (message === undefined) {
      this.delivering = false;
      return;
    }
    this.delivering = true;
    this.onmessage?.(message);
    if (this.inbox.length === 0) this.delivering = false;
    else setImmediate(() => this.deliver());
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed) return Promise.reject(new Error('the stdio server is not running'));
    return new Promise((resolve) => {
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', resolve);
    });
  }

  private static signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  }

  /** Closes stdin (the MCP stdio shutdown signal), then SIGTERM, then SIGKILL, each to the whole group. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const pid = child.pid;
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const grace = this.options.killGraceMs ?? 2000;
    const wait = (ms: number) =>
      Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);
    child.stdin?.end();
    await wait(grace / 2);
    if (child.exitCode === null && child.signalCode === null) {
      ProcessGroupStdioTransport.signalGroup(pid, 'SIGTERM');
      await wait(grace);
    }
    // The leader may be gone while children it spawned (npx → node) still run in its group.
    ProcessGroupStdioTransport.signalGroup(pid, 'SIGKILL');
    this.buffer.clear();
  }
}
