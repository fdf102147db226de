// The sinks scenario's scraper: a child process that scrapes /metrics on a port once per interval
// and reports what it read when stopped (a real HTTP server here, no mock).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:http';
import { startScraper } from './scraper.ts';

test('the scraper child scrapes the port it is given, counts bytes, and stops when told', async () => {
  let hits = 0;
  const body = 'lucent_x 1\n';
  const server = createServer((req, res) => { if (req.url === '/metrics') hits++; res.end(body); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const s = startScraper(50);
  try {
    s.scrape(port);
    await new Promise((r) => setTimeout(r, 600));
    const c = await s.stop();
    assert.ok(c.scrapes >= 3, `scrapes ${c.scrapes}`);
    assert.is(c.failures, 0);
    assert.is(c.bytes, c.scrapes * body.length);
    assert.ok(hits >= c.scrapes); // a request can be in flight when stop arrives
    const after = hits;
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(hits <= after + 1, 'no scraping after stop');
    // a port where nothing listens: failures counted, nothing thrown
    server.close();
    s.scrape(port);
    await new Promise((r) => setTimeout(r, 300));
    const d = await s.stop();
    assert.is(d.scrapes, 0);
    assert.ok(d.failures >= 1, `failures ${d.failures}`);
  } finally {
    s.close();
    server.close();
  }
});

test.run();
