/**
 * @module Raw HTTP/1.1 over a TCP socket, for requests no HTTP client would send (invalid methods, NUL in headers,
 * bad escapes, CONNECT): the bytes go out exactly as given, and the reply is read until the server closes or a
 * timeout passes.
 */
import { connect } from 'node:net';

export interface RawReply {
  /** 0 when the server closed without answering. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection (rather than the read timing out). */
  closed: boolean;
}

export function parseRawReply(text: string, closed: boolean): RawReply {
  const end = text.indexOf('\r\n\r\n');
  if (!text.startsWith('HTTP/1.1 ') || end === -1) return { status: 0, headers: {}, body: text, closed };
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4), closed };
}

/** Sends `data` on a fresh connection; resolves with the first reply (and whether the server closed). */
export function rawRequest(port: number, data: string | Buffer, { timeoutMs = 2000 } = {}): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseRawReply(received, closed));
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(data);
  });
}
