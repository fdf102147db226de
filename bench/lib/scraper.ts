// A scraper in a process of its own, as Prometheus is one: the sinks scenario has the engine's
// /metrics scraped once a second without the client's work (the request, reading and parsing the
// response) landing on the engine's own main thread. Run as a child with an IPC channel:
//   parent → child  { port: number }   scrape http://127.0.0.1:<port>/metrics every intervalMs
//                   { stop: true }     stop scraping; the child answers { scrapes, failures, bytes }
// `startScraper()` is the parent's side.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ScrapeCount { scrapes: number; failures: number; bytes: number }

export interface Scraper {
  /** Starts scraping the engine's /metrics at this port (the run's HTTP address). */
  scrape(port: number): void;
  /** Stops scraping; what was scraped since scrape(). */
  stop(): Promise<ScrapeCount>;
  close(): void;
}

const self = fileURLToPath(import.meta.url);

export function startScraper(intervalMs = 1000): Scraper {
  const child: ChildProcess = fork(self, ['--child', String(intervalMs)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let waiting: ((c: ScrapeCount) => void) | null = null;
  child.on('message', (m) => { const w = waiting; waiting = null; w?.(m as ScrapeCount); });
  return {
    scrape(port) { child.send({ port }); },
    stop() {
      return new Promise((resolve, reject) => {
        if (child.exitCode !== null) { reject(new Error(`scraper exited with code ${child.exitCode}`)); return; }
        waiting = resolve;
        child.send({ stop: true });
      });
    },
    close() { child.kill(); },
  };
}

if (process.argv[2] === '--child') {
  const intervalMs = Number(process.argv[3]);
  let timer: NodeJS.Timeout | null = null;
  let count: ScrapeCount = { scrapes: 0, failures: 0, bytes: 0 };
  process.on('message', (m: { port?: number; stop?: boolean }) => {
    if (timer !== null) clearInterval(timer);
    timer = null;
    if (m.stop) { process.send!(count); count = { scrapes: 0, failures: 0, bytes: 0 }; return; }
    const url = `http://127.0.0.1:${m.port}/metrics`;
    timer = setInterval(() => {
      fetch(url).then((r) => r.text()).then((t) => { count.scrapes++; count.bytes += t.length; }, () => { count.failures++; });
    }, intervalMs);
  });
  process.on('disconnect', () => process.exit(0));
}
