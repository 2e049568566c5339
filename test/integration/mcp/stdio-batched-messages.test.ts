/**
 * A stdio server that writes its progress notifications and the result in one chunk: every notification reaches the
 * caller's progress handler. The SDK client settles a response at once but runs a notification's handler a
 * microtask later, so delivering a whole chunk in one go lost the progress read beside the result.
 */
import { Client } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { ProcessGroupStdioTransport } from '../../../src/mcp/index.ts';

/** Answers initialize, then answers tools/call with three progress notifications and the result in one write. */
const SERVER = `
let seen = '';
process.stdin.on('data', (chunk) => {
  seen += chunk;
  let newline;
  while ((newline = seen.indexOf('\\n')) >= 0) {
    const message = JSON.parse(seen.slice(0, newline));
    seen = seen.slice(newline + 1);
    if (message.method === 'initialize') {
      process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: {
        protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'batched', version: '1' } } }) + '\\n');
    } else if (message.method === 'tools/call') {
      const token = message.params._meta.progressToken;
      let out = '';
      for (const progress of [0, 50, 100]) {
        out += JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress',
          params: { progressToken: token, progress, total: 100 } }) + '\\n';
      }
      out += JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'done' }] } }) + '\\n';
      process.stdout.write(out);
    }
  }
});
`;

describe('stdio transport: messages that arrive in one chunk', () => {
  it('delivers every progress notification written beside the result', async () => {
    const transport = new ProcessGroupStdioTransport({
      command: process.execPath,
      args: ['-e', SERVER],
      env: { PATH: process.env.PATH ?? '' },
      cwd: null,
    });
    const client = new Client({ name: 'batched-test', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
    await client.connect(transport);
    try {
      for (let round = 0; round < 5; round++) {
        const seen: number[] = [];
        const result = await client.callTool(
          { name: 'work', arguments: {} },
          { onprogress: (progress) => seen.push(progress.progress) },
        );
        expect(result.content).toEqual([{ type: 'text', text: 'done' }]);
        expect(seen).toEqual([0, 50, 100]);
      }
    } finally {
      await client.close();
    }
  });
});
