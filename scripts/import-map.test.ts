// The import rules hold on the project's own tree, and the checks catch what they are for: a
// made-up graph that breaks each rule is reported, rule by rule.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { checkRules, circles, nodeMap, nodeOf, readImportGraph, type ImportGraph } from './lib/import_graph.ts';

const kRoot = fileURLToPath(new URL('../', import.meta.url));

test('the project keeps every import rule', () => {
  const g = readImportGraph(kRoot);
  assert.ok(g.files.length > 200, `files read: ${g.files.length}`);
  assert.ok(g.edges.length > 500, `imports read: ${g.edges.length}`);
  for (const r of checkRules(g)) assert.equal(r.broken, [], r.rule);
});

test('nodes: top-level folders; engine/ by subfolder (source/ by its own) and root file; testing/ with its parent', () => {
  assert.is(nodeOf('protocol/layout.ts'), 'protocol');
  assert.is(nodeOf('workers/agents/arbitrage/stat_arb.ts'), 'workers');
  assert.is(nodeOf('engine/pipeline.ts'), 'engine/pipeline.ts');
  assert.is(nodeOf('engine/consolidate/arbitrage/carry.ts'), 'engine/consolidate');
  assert.is(nodeOf('engine/source/kafka/lane.ts'), 'engine/source/kafka');
  assert.is(nodeOf('engine/source/codec.ts'), 'engine/source');
  assert.is(nodeOf('engine/consolidate/testing/fusion_harness.ts'), 'engine/consolidate');
  assert.is(nodeOf('engine/testing/agent_harness.ts'), 'engine/testing');
});

/** A graph of the given files and imports (from → to). */
function graph(edges: [string, string][]): ImportGraph {
  const files = [...new Set(edges.flat())];
  return { files, edges: edges.map(([from, to]) => ({ from, to, kind: 'import' as const })) };
}
const broken = (g: ImportGraph): string[] => checkRules(g).filter((r) => r.broken.length > 0).map((r) => r.rule);

test('each rule catches the import that breaks it', () => {
  const cases: [string, [string, string]][] = [
    ['protocol/', ['protocol/layout.ts', 'engine/types.ts']],
    ['finance/', ['finance/amm.ts', 'workers/agents/config.ts']],
    ['the agent side', ['workers/agents/yield_hunter.ts', 'engine/state/market_writer.ts']],
    ['engine/ enters workers/', ['engine/consolidate/fusion.ts', 'workers/agents/records.ts']],
    ['the Kafka source', ['engine/source/kafka/lane.ts', 'engine/pipeline.ts']],
    ['the Kafka source', ['engine/source/kafka/lane.ts', 'engine/sinks/decision_log.ts']],
    ['fixtures/', ['fixtures/generator/prices.ts', 'engine/options.ts']],
    ['nothing but scripts/', ['bench/lib/tapes.ts', 'scripts/lib/cli_flags.ts']],
  ];
  for (const [rule, edge] of cases) {
    const b = broken(graph([edge]));
    assert.is(b.length, 1, `${edge.join(' → ')}: ${b.join('; ')}`);
    assert.ok(b[0]!.startsWith(rule), `${edge.join(' → ')} breaks "${b[0]}", expected "${rule}…"`);
  }
  // allowed: the catalog and the thread entry; a test of the agent side driving the engine's ingest
  assert.equal(broken(graph([['engine/pipeline.ts', 'workers/agents/index.ts'], ['engine/dispatch/dispatcher.ts', 'workers/agent_thread.ts']])), []);
  assert.equal(broken(graph([['workers/agents/yield_hunter.test.ts', 'engine/testing/agent_harness.ts']])), []);
});

test('a circle between folders is found, through any number of them; test code does not count', () => {
  const g = graph([
    ['engine/source/codec.ts', 'engine/state/market_writer.ts'],
    ['engine/state/market_writer.ts', 'engine/consolidate/fusion.ts'],
    ['engine/consolidate/fusion.ts', 'engine/source/codec.ts'],
    ['engine/step/event_stepper.ts', 'engine/state/market_writer.ts'],
  ]);
  assert.equal(circles(nodeMap(g, false)), [['engine/consolidate', 'engine/source', 'engine/state']]);
  assert.equal(broken(g), ['no circle between folders (production code; engine/ by subfolder and root file)']);
  const viaTest = graph([['engine/state/market_writer.ts', 'engine/source/codec.ts'], ['engine/source/codec.test.ts', 'engine/state/market_writer.ts']]);
  assert.equal(circles(nodeMap(viaTest, false)), []);
});

test.run();
