import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Answers an upgrade request with a plain HTTP error and closes the socket. The
 * connection never becomes a WebSocket, so the charger sees a real status code
 * (RFC 7235: 401 with a challenge; an unknown identity gets the same 401 as a wrong password,
 * not OCPP-J 1.6 §3.2's 404: see NOT_ACCEPTED in src/modules/stations/service.ts).
 */
export function refuseUpgrade(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  const body = message + '\n';
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.once('finish', destroySocket);
  socket.end(lines.join('\r\n') + '\r\n\r\n' + body);
}

function destroySocket(this: Duplex): void {
  this.destroy();
}
