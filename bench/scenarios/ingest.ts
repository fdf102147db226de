// 5. Ingest, each stage on its own: JSON decode (codec decodeLine into a Tape), loading the
// binary form of the same tape (Float64 rows), and the state-write rate (MarketWriter.apply),
// with and without the trigger.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { InstrumentRegistry } from '../../protocol/registry.ts';
import { decodeLine } from '../../engine/source/codec.ts';
import { loadFixture } from '../../engine/source/file/fixture_reader.ts';
import { Tape } from '../../protocol/tape.ts';
import { allocateMarketState, MarketArrays } from '../../protocol/market_state.ts';
import { MarketWriter } from '../../engine/state/market_writer.ts';
import { Trigger } from '../../engine/trigger.ts';
import { kDefaultConfig } from '../../engine/options.ts';
import { decodeTapeBinary, encodeTapeBinary, kBenchCacheDir, kDefaultFixturePath, tapeFromRows } from '../lib/tapes.ts';
import { fmtBytes, fmtNum, fmtRate, fmtRatio } from '../report/format.ts';
import { emptyOutput, type Scenario, type ScenarioContext, type ScenarioOutput } from './scenario.ts';

function best<T>(reps: number, f: () => T): { ms: number; value: T } {
  let ms = Infinity;
  let value!: T;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    value = f();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, value };
}

export const ingest: Scenario = {
  name: 'ingest',
  title: '5. Ingest: JSON decode, binary tape load, state writes',
  async run(ctx: ScenarioContext): Promise<ScenarioOutput> {
    const out = emptyOutput();
    const q = ctx.quick;
    const reps = q ? 2 : 5;
    const path = kDefaultFixturePath;
    const gz = readFileSync(path);
    const text = gunzipSync(gz).toString('utf8');
    const lines = text.split('\n').filter((l) => l.length > 0);
    const jsonBytes = Buffer.byteLength(text);

    // JSON decode only (the text is already in memory).
    const decode = best(reps, () => {
      const registry = new InstrumentRegistry();
      const tape = new Tape(1 << 16);
      let dead = 0;
      for (let i = 0; i < lines.length; i++) if (decodeLine(lines[i]!, registry, tape, i + 1) !== null) dead++;
      return { tape, registry, dead };
    });
    const { tape, registry } = decode.value;
    registry.freeze();
    ctx.say(`JSON decode: ${fmtNum(lines.length)} lines in ${fmtNum(decode.ms)} ms = ${fmtRate(lines.length / (decode.ms / 1000))} (${fmtBytes(jsonBytes / (decode.ms / 1000))}/s of JSON)`);

    // The whole file path: gunzip stream + readline + decode.
    const t0 = performance.now();
    await loadFixture(path, new InstrumentRegistry());
    const fileMs = performance.now() - t0;
    ctx.say(`fixture file (gunzip + readline + decode): ${fmtNum(fileMs)} ms`);

    // Binary tape: write once, then time reading it back.
    mkdirSync(kBenchCacheDir, { recursive: true });
    const binPath = `${kBenchCacheDir}ingest-bench.tape`;
    const bin = encodeTapeBinary(tape, registry, path, 'ingest', lines.length);
    writeFileSync(binPath, bin);
    const load = best(reps, () => {
      const d = decodeTapeBinary(readFileSync(binPath));
      return tapeFromRows(d.rows, d.header.rows, d.depth);
    });
    const view = best(reps, () => decodeTapeBinary(readFileSync(binPath)).rows.length);
    ctx.say(`binary tape: ${fmtBytes(bin.length)} read into a Tape in ${load.ms.toFixed(2)} ms = ${fmtRate(tape.length / (load.ms / 1000))}`);

    // State writes.
    const passes = q ? 10 : 40;
    const cap = Math.max(1, registry.size);
    const writer = new MarketWriter(new MarketArrays(allocateMarketState(cap)));
    writer.clear();
    const rows = tape.rows;
    const depth = tape.depth;
    const n = tape.length;
    for (let r = 0; r < n; r++) writer.apply(rows, r, depth); // warm
    const write = best(3, () => { for (let p = 0; p < passes; p++) for (let r = 0; r < n; r++) writer.apply(rows, r, depth); return 0; });
    const trigger = new Trigger(cap, kDefaultConfig.trigger);
    let fired = 0;
    for (let r = 0; r < n; r++) { writer.apply(rows, r, depth); if (trigger.fires(rows, r)) fired++; }
    const withTrigger = best(3, () => {
      let f = 0;
      for (let p = 0; p < passes; p++) for (let r = 0; r < n; r++) { writer.apply(rows, r, depth); if (trigger.fires(rows, r)) f++; }
      return f;
    });
    const writes = passes * n;
    ctx.say(`state writes: ${fmtRate(writes / (write.ms / 1000))} (${((write.ms * 1e6) / writes).toFixed(1)} ns each); with trigger ${fmtRate(writes / (withTrigger.ms / 1000))}`);

    const jsonRate = lines.length / (decode.ms / 1000);
    const binRate = tape.length / (load.ms / 1000);
    out.notes.push(`Input: the default fixture, ${fmtNum(lines.length)} lines, ${fmtBytes(gz.length)} gzip, ${fmtBytes(jsonBytes)} JSON; binary tape ${fmtBytes(bin.length)}. Best of ${reps} runs (3 for writes).`);
    out.tables.push({
      title: 'Ingest stages',
      columns: ['stage', 'events', 'time', 'events/s', 'bytes/s', 'per event', 'vs JSON decode'],
      rows: [
        ['JSON decode (JSON.parse + decodeEvent into a Tape), text in memory', lines.length, `${decode.ms.toFixed(1)} ms`, fmtRate(jsonRate), fmtBytes(jsonBytes / (decode.ms / 1000)) + '/s', `${((decode.ms * 1e6) / lines.length).toFixed(0)} ns`, '1.00×'],
        ['fixture file: gunzip stream + readline + decode', lines.length, `${fileMs.toFixed(1)} ms`, fmtRate(lines.length / (fileMs / 1000)), fmtBytes(gz.length / (fileMs / 1000)) + '/s (gzip)', `${((fileMs * 1e6) / lines.length).toFixed(0)} ns`, fmtRatio(decode.ms / fileMs)],
        ['binary tape (Float64 rows): read file + build Tape', tape.length, `${load.ms.toFixed(2)} ms`, fmtRate(binRate), fmtBytes(bin.length / (load.ms / 1000)) + '/s', `${((load.ms * 1e6) / tape.length).toFixed(1)} ns`, fmtRatio(binRate / jsonRate)],
        ['binary tape: read file, view rows in place', tape.length, `${view.ms.toFixed(2)} ms`, fmtRate(tape.length / (view.ms / 1000)), fmtBytes(bin.length / (view.ms / 1000)) + '/s', `${((view.ms * 1e6) / tape.length).toFixed(1)} ns`, fmtRatio((tape.length / (view.ms / 1000)) / jsonRate)],
        ['state write (MarketWriter.apply)', writes, `${write.ms.toFixed(1)} ms`, fmtRate(writes / (write.ms / 1000)), '–', `${((write.ms * 1e6) / writes).toFixed(1)} ns`, fmtRatio((writes / (write.ms / 1000)) / jsonRate)],
        ['state write + trigger (the ingest stage)', writes, `${withTrigger.ms.toFixed(1)} ms`, fmtRate(writes / (withTrigger.ms / 1000)), '–', `${((withTrigger.ms * 1e6) / writes).toFixed(1)} ns`, fmtRatio((writes / (withTrigger.ms / 1000)) / jsonRate)],
      ],
      note: `The trigger fired on ${fmtNum(fired)} of ${fmtNum(n)} events in one pass (${((fired / n) * 100).toFixed(1)}%).`,
    });
    out.metrics = {
      'ingest.json_decode.events_per_s': { value: Math.round(jsonRate), unit: 'events/s', better: 'higher' },
      'ingest.fixture_file.events_per_s': { value: Math.round(lines.length / (fileMs / 1000)), unit: 'events/s', better: 'higher' },
      'ingest.binary_tape.events_per_s': { value: Math.round(binRate), unit: 'events/s', better: 'higher' },
      'ingest.state_write.ns_per_event': { value: (write.ms * 1e6) / writes, unit: 'ns', better: 'lower' },
      'ingest.state_write_trigger.ns_per_event': { value: (withTrigger.ms * 1e6) / writes, unit: 'ns', better: 'lower' },
    };
    out.data = { lines: lines.length, gzipBytes: gz.length, jsonBytes, binaryBytes: bin.length, decodeMs: decode.ms, fileMs, binaryLoadMs: load.ms, binaryViewMs: view.ms, writes, writeMs: write.ms, writeTriggerMs: withTrigger.ms, fired };
    return out;
  },
};
