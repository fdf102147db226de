// Progress lines while a benchmark runs: one line per finished step, on stderr, prefixed with the
// scenario name, so stdout stays free for results.
export type Say = (line: string) => void;

export function progressFor(scenario: string): Say {
  const t0 = performance.now();
  return (line: string) => {
    const s = ((performance.now() - t0) / 1000).toFixed(1).padStart(5);
    process.stderr.write(`[${scenario} ${s}s] ${line}\n`);
  };
}
