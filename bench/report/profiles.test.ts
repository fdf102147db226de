// Profile summaries: self time per function from samples, allocation per function from a
// sampled heap profile, with repository-relative file:line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hotFunctions, topAllocators, type CpuProfile, type HeapProfile } from './profiles.ts';

const cf = (functionName: string, url: string, lineNumber: number) => ({ functionName, url, lineNumber, columnNumber: 0 });

test('hotFunctions attributes time deltas to the sampled node and merges by function', () => {
  const p: CpuProfile = {
    startTime: 0, endTime: 1000,
    nodes: [
      { id: 1, callFrame: cf('(root)', '', -1), children: [2, 3, 4] },
      { id: 2, callFrame: cf('apply', 'file:///repo/engine/state/market_writer.ts', 40) },
      { id: 3, callFrame: cf('apply', 'file:///repo/engine/state/market_writer.ts', 40) },
      { id: 4, callFrame: cf('', 'file:///repo/x.ts', 9) },
    ],
    samples: [2, 3, 4, 2],
    timeDeltas: [100, 200, 300, 400],
  };
  const h = hotFunctions(p, '/repo/');
  assert.is(h.totalMs, 1);
  assert.is(h.functions[0]!.name, 'apply');
  assert.is(h.functions[0]!.location, 'engine/state/market_writer.ts:41');
  assert.is(h.functions[0]!.selfMs, 0.7);
  assert.is(h.functions[0]!.selfPct, 70);
  assert.is(h.functions[1]!.name, '(anonymous)');
});

test('topAllocators sums self sizes through the tree', () => {
  const p: HeapProfile = {
    head: {
      callFrame: cf('(root)', '', 0), selfSize: 0, children: [
        { callFrame: cf('emit', 'file:///repo/c.ts', 9), selfSize: 300, children: [{ callFrame: cf('stringify', '', 0), selfSize: 600 }] },
        { callFrame: cf('emit', 'file:///repo/c.ts', 9), selfSize: 100 },
      ],
    },
  };
  const a = topAllocators(p, '/repo/');
  assert.is(a.totalBytes, 1000);
  assert.is(a.functions[0]!.name, 'stringify ← emit', 'a built-in is named after its script caller');
  assert.is(a.functions[0]!.location, 'c.ts:10');
  assert.is(a.functions[1]!.bytes, 400);
  assert.is(a.functions[1]!.location, 'c.ts:10');
  assert.is(a.functions[1]!.pct, 40);
});

test.run();
