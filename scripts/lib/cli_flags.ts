// A small command-line flag parser for the scripts: `--name value` or `--name=value`, typed,
// with errors that name the flag.
import { OptionError } from '../../protocol/errors.ts';

export type FlagKind = 'int' | 'number' | 'string' | 'strings' | 'bool';

export interface FlagSpec {
  kind: FlagKind;
  help: string;
  /** For 'int' and 'number': the smallest accepted value. */
  min?: number;
  /** For 'int' and 'number': the largest accepted value. */
  max?: number;
}

export type FlagValues = Record<string, number | string | string[] | boolean | undefined>;

/**
 * Parses `argv` (without the node and script paths) against `specs` (flag name without dashes →
 * spec). Only flags that appear are set in the result. Throws OptionError naming the flag.
 */
export function parseFlags(argv: readonly string[], specs: Readonly<Record<string, FlagSpec>>): FlagValues {
  const out: FlagValues = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      throw new OptionError(`unexpected argument ${JSON.stringify(arg)}: flags start with -- (see --help)`);
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (spec === undefined) throw new OptionError(`unknown flag --${name} (see --help)`);
    if (spec.kind === 'bool') {
      if (eq >= 0) throw new OptionError(`--${name} takes no value`);
      out[name] = true;
      continue;
    }
    let raw: string;
    if (eq >= 0) {
      raw = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new OptionError(`--${name} needs a value`);
      raw = next;
      i++;
    }
    if (raw === '') throw new OptionError(`--${name} needs a non-empty value`);
    switch (spec.kind) {
      case 'string':
        out[name] = raw;
        break;
      case 'strings': {
        const prev = out[name];
        out[name] = Array.isArray(prev) ? [...prev, raw] : [raw];
        break;
      }
      case 'int':
      case 'number': {
        const v = Number(raw);
        const okInt = spec.kind === 'number' || Number.isSafeInteger(v);
        if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw) || !Number.isFinite(v) || !okInt) {
          throw new OptionError(`--${name} must be ${spec.kind === 'int' ? 'an integer' : 'a number'} (got ${JSON.stringify(raw)})`);
        }
        if (spec.min !== undefined && v < spec.min) throw new OptionError(`--${name} must be at least ${spec.min} (got ${raw})`);
        if (spec.max !== undefined && v > spec.max) throw new OptionError(`--${name} must be at most ${spec.max} (got ${raw})`);
        out[name] = v;
        break;
      }
    }
  }
  return out;
}

/** The --help text for a script: usage line plus one line per flag. */
export function flagHelp(usage: string, specs: Readonly<Record<string, FlagSpec>>): string {
  const lines = [usage, '', 'Flags:'];
  for (const [name, spec] of Object.entries(specs)) {
    const value = spec.kind === 'bool' ? '' : ` <${spec.kind === 'strings' ? 'string' : spec.kind}>`;
    const head = `  --${name}${value}`;
    lines.push(head.length < 28 ? head.padEnd(28) + spec.help : `${head}  ${spec.help}`); // a long flag keeps a gap before its text
  }
  return lines.join('\n');
}
