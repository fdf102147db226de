// The universe a Kafka run starts with. It must be known before the agent threads start (the
// state is sized from it and the registry is handed to the threads once), so it comes from a file:
// a fixture (every instrument its events name, in the order a file replay of it registers them,
// so slot numbers agree), or a universe file that replay-to-kafka wrote. At run time an instrument
// outside it is a dead letter. In shard scope each shard gets the part of the universe whose
// shard key maps to its partition number.
import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { LucentError } from '../../../protocol/errors.ts';
import { InstrumentRegistry, type InstrumentMeta } from '../../../protocol/registry.ts';
import { decodeLine } from '../codec.ts';
import { reserveDerivedSlots } from '../../state/derived_slots.ts';
import { shardKeyOfMeta, shardOf } from './topics.ts';
import { Tape } from '../../../protocol/tape.ts';

/** The lines of a fixture file (.jsonl or .jsonl.gz), streamed. */
export async function* fixtureLines(path: string): AsyncGenerator<string> {
  if (!existsSync(path)) throw new LucentError('ERR_FIXTURE', `fixture not found: ${path}`);
  const file = createReadStream(path);
  const input = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
  yield* createInterface({ input, crlfDelay: Infinity });
}

interface UniverseFile {
  format: 'lucent-universe/1';
  instruments: InstrumentMeta[];
}

/** Loads the universe from a universe file (.json) or a fixture. The registry is frozen. */
export async function loadUniverse(path: string): Promise<InstrumentRegistry> {
  const registry = new InstrumentRegistry();
  if (path.endsWith('.json')) {
    let file: UniverseFile;
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as UniverseFile;
    } catch (err) {
      throw new LucentError('ERR_UNIVERSE', `cannot read universe file ${path}: ${(err as Error).message}`);
    }
    if (file.format !== 'lucent-universe/1' || !Array.isArray(file.instruments)) {
      throw new LucentError('ERR_UNIVERSE', `${path} is not a universe file (format "lucent-universe/1" with an instruments list)`);
    }
    for (const m of file.instruments) {
      registry.resolve(m.key, m.kind, (x) => {
        Object.assign(x, m);
        x.decimals0 = typeof m.decimals0 === 'number' ? m.decimals0 : NaN; // JSON keeps NaN as null
        x.decimals1 = typeof m.decimals1 === 'number' ? m.decimals1 : NaN;
      });
    }
  } else {
    const tape = new Tape(1);
    let line = 0;
    for await (const text of fixtureLines(path)) {
      line++;
      if (text.length === 0) continue;
      decodeLine(text, registry, tape, line); // a bad line adds nothing
      tape.reset();
    }
  }
  reserveDerivedSlots(registry); // as a file replay does: slot numbers must agree
  registry.freeze();
  return registry;
}

export function writeUniverse(path: string, registry: InstrumentRegistry): void {
  const instruments: InstrumentMeta[] = [];
  for (let s = 0; s < registry.size; s++) instruments.push(registry.meta(s));
  const file: UniverseFile = { format: 'lucent-universe/1', instruments };
  writeFileSync(path, JSON.stringify(file, null, 1) + '\n');
}

/** The part of the universe in shard `shard` of `partitions`, in universe order, frozen. */
export function shardRegistry(universe: InstrumentRegistry, shard: number, partitions: number): InstrumentRegistry {
  const r = new InstrumentRegistry();
  for (let s = 0; s < universe.size; s++) {
    const m = universe.meta(s);
    if (shardOf(shardKeyOfMeta(m), partitions) !== shard) continue;
    r.resolve(m.key, m.kind, (x) => Object.assign(x, m));
  }
  r.freeze();
  return r;
}

/** The shard an instrument of the universe belongs to, or -1 when it is not in the universe. */
export function shardOfInstrument(universe: InstrumentRegistry, key: string, partitions: number): number {
  const s = universe.slotOf(key);
  return s < 0 ? -1 : shardOf(shardKeyOfMeta(universe.meta(s)), partitions);
}

