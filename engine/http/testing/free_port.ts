// A TCP port on 127.0.0.1 that nothing listens on: one the OS just handed out and took back.
// Tests use it for servers they start (Prometheus) and for addresses that must refuse connections.
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
