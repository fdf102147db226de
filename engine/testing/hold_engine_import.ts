// A test harness for the command line's early stops, preloaded with `node --import`: it holds the
// loading of engine/engine.ts (imported by engine/cli.ts after its early stop handlers) forever, so
// a test can deliver a signal while the command line is still loading, before main() runs, at a
// moment it knows (this writes `lucent-test: import held` to stderr when the hold begins).
import { registerHooks } from 'node:module';

const target = new URL('../engine.ts', import.meta.url).href;

registerHooks({
  load(url, context, nextLoad) {
    const r = nextLoad(url, context);
    if (url !== target) return r;
    const hold = "process.stderr.write('lucent-test: import held\\n'); setInterval(() => {}, 1 << 30); await new Promise(() => {});\n";
    return { ...r, source: hold + String(r.source) };
  },
});
