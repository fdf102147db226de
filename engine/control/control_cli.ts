// `npm run control -- <command>`: the operator controls of a running engine (started with --http)
// from the command line. `--help` lists the commands.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { kTokenEnv } from './tokens.ts';

const kHelp = `lucent-engine control: the kill switch and approvals of a running engine

Usage: npm run control -- <command> [options]

Commands
  status                      trading states, breakers, decision counts (GET /control)
  kill                        take a scope out of trading (POST /control/kill)
  resume                      put it back (POST /control/resume); resuming is always explicit
  approvals                   actions waiting for a person (GET /approvals)
  approve <id>                re-price and carry out a waiting action, or see why it is refused
  reject <id>                 reject a waiting action

Options
  --url <url>                 the engine's health address (default http://127.0.0.1:8080)
  --token-file <file>         the bearer token: a bare token, or "name:token" lines (the first, or
                              the one --as names); default: LUCENT_TOKEN
  --as <name>                 which token of the file to use
  --scope engine|agent|kind   kill / resume: the scope (default engine)
  --agent <name>              with --scope agent, e.g. arbitrage_detector
  --kind <kind>               with --scope kind, e.g. arbitrage_triangular
  --state HALTED|REDUCING     kill: nothing passes (default), or only exposure-lowering actions
  --mode pause|stop           kill: pause keeps what waits for approval (default); stop rejects it
  --reason <text>             kill / reject: recorded in the audit trail
  --json                      print the engine's JSON answer as it is
  -h, --help                  this text

Exit status: 0 done, 1 refused by the engine (4xx/5xx), 2 bad usage or engine unreachable.
`;

function token(file: string | undefined, as: string | undefined): string {
  const text = file !== undefined ? readFileSync(file, 'utf8') : process.env[kTokenEnv] ?? '';
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new Error(`no token: give --token-file or set ${kTokenEnv}`);
  const pairs = lines.map((l) => (l.includes(':') ? [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)] : ['', l]));
  const pick = as === undefined ? pairs[0] : pairs.find(([n]) => n === as);
  if (pick === undefined) throw new Error(`no token named ${as}`);
  return pick[1]!;
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        url: { type: 'string' }, 'token-file': { type: 'string' }, as: { type: 'string' }, scope: { type: 'string' }, agent: { type: 'string' },
        kind: { type: 'string' }, state: { type: 'string' }, mode: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`control: ${(err as Error).message}\nRun with --help for the commands.\n`);
    return 2;
  }
  const v = parsed.values;
  const [cmd, id, ...rest] = parsed.positionals;
  if (v.help || cmd === undefined) {
    process.stdout.write(kHelp);
    return v.help ? 0 : 2;
  }
  const base = (v.url ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  let method = 'GET', path = '', body: Record<string, unknown> | null = null;
  try {
    if (rest.length > 0) throw new Error(`unexpected argument ${rest[0]}`);
    const scopeBody = (): Record<string, unknown> => {
      const scope = v.scope ?? 'engine';
      if (scope === 'agent') return { scope, agent: v.agent };
      if (scope === 'kind') return { scope, kind: v.kind };
      if (scope !== 'engine') throw new Error('--scope must be engine, agent or kind');
      return { scope };
    };
    if (cmd === 'status') path = '/control';
    else if (cmd === 'approvals') path = '/approvals';
    else if (cmd === 'kill') {
      method = 'POST'; path = '/control/kill';
      body = { ...scopeBody(), ...(v.state ? { state: v.state } : {}), ...(v.mode ? { mode: v.mode } : {}), ...(v.reason ? { reason: v.reason } : {}) };
    } else if (cmd === 'resume') {
      method = 'POST'; path = '/control/resume'; body = scopeBody();
    } else if (cmd === 'approve' || cmd === 'reject') {
      if (id === undefined || !/^[0-9a-f]{12}$/.test(id)) throw new Error(`${cmd} needs the action's id (12 hex digits, see: npm run control -- approvals)`);
      method = 'POST'; path = `/approvals/${id}/${cmd}`; body = cmd === 'reject' && v.reason ? { reason: v.reason } : {};
    } else throw new Error(`unknown command ${cmd}`);
  } catch (err) {
    process.stderr.write(`control: ${(err as Error).message}\nRun with --help for the commands.\n`);
    return 2;
  }
  let res: Response;
  try {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (method === 'POST') headers.authorization = `Bearer ${token(v['token-file'], v.as)}`;
    res = await fetch(base + path, { method, headers, body: body === null ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    process.stderr.write(`control: ${base}${path}: ${(err as Error).message}\n`);
    return 2;
  }
  const text = await res.text();
  if (v.json) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  else process.stdout.write(describe(cmd, res.status, text));
  return res.ok ? 0 : 1;
}

function describe(cmd: string, status: number, text: string): string {
  let j: Record<string, any>;
  try { j = JSON.parse(text); } catch { return `${status} ${text}`; }
  if (status >= 400) return `${status} ${j.error ?? j.reason ?? text}\n`;
  if (cmd === 'status') {
    const scopes = [j.engine, ...j.agents, ...j.kinds].filter((s: any) => s.scope === 'engine' || s.state !== 'ACTIVE');
    let out = scopes.map((s: any) => `${(s.scope === 'engine' ? 'engine' : `${s.scope} ${s.name}`).padEnd(34)} ${s.state.padEnd(9)} ${s.reason ?? ''}\n`).join('');
    out += (j.breakers as any[]).filter((b) => b.state !== 'CLOSED').map((b) => `breaker ${b.agent.padEnd(26)} ${b.state.padEnd(9)} ${b.reason}\n`).join('');
    out += `decisions approved ${j.decisions.approved}, rejected ${j.decisions.rejected}, pending approval ${j.decisions.pending_approval}; ${j.approvalsPending} waiting; cycle ${j.cycle}\n`;
    return out;
  }
  if (cmd === 'approvals') {
    const p = j.pending as any[];
    if (p.length === 0) return 'no action waits for approval\n';
    return p.map((a) => `${a.id}  ${a.agent} ${a.kind} $${a.sizeUsd} expected $${a.expectedProfitUsd}  ${a.instruments.join(' → ')}  expires ${a.expiresAt}\n    ${a.reason}\n`).join('');
  }
  if (cmd === 'approve' || cmd === 'reject') return `${j.status} ${j.id}: ${j.reason}\n`;
  return `${j.scope === 'engine' ? 'engine' : `${j.scope} ${j.name}`} ${j.state}${j.changed ? '' : ' (unchanged)'} by ${j.who}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
    process.stderr.write(`control: ${(err as Error).message}\n`);
    process.exitCode = 2;
  });
}
