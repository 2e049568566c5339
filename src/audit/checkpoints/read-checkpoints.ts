/**
 * @module Reads a checkpoint sink back: one JSON-lines file, or a directory of them (a file sink's daily files, read
 * in name order, which is time order). Every non-empty line is handed on with where it came from, parsed or not:
 * a line that is not JSON is reported as malformed, never skipped.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { CheckpointSource } from '../../domain/audit/index.ts';

/** The files a path names, oldest first; throws (ENOENT) when it does not exist. */
export async function checkpointFiles(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const names = (await readdir(path)).filter((name) => name.endsWith('.jsonl')).sort();
  return names.map((name) => join(path, name));
}

/** Streams every line of every file, so a sink of any size is checked in constant memory. */
export async function* readCheckpoints(files: readonly string[]): AsyncGenerator<CheckpointSource> {
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
    let number = 0;
    for await (const line of lines) {
      number += 1;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        value = line;
      }
      yield { value, where: `${file}:${number}` };
    }
  }
}
