/**
 * A real MCP server (SDK, streamable HTTP) on 127.0.0.1:0 with one `echo` tool, that records the headers of every
 * HTTP request it receives (and a `greet` prompt): what an MCP upstream sees of the gateway's calls (trace context, for one).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export interface RecordingMcpServer {
  url: string;
  readonly headers: IncomingHttpHeaders[];
  stop(): Promise<void>;
}

export async function startRecordingMcpServer(): Promise<RecordingMcpServer> {
  const mcp = new McpServer({ name: 'recording', version: '1.0.0' });
  mcp.registerTool(
    'echo',
    { description: 'Echoes its text.', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  mcp.registerPrompt('greet', { description: 'A greeting.' }, async () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'hello' } }],
  }));
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => 'only-session' });
  await mcp.connect(transport);
  const headers: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    headers.push(req.headers);
    transport.handleRequest(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    headers,
    async stop() {
      await mcp.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
