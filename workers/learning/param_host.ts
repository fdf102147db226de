// The agents' expected-return parameters, and the control plane that changes them.
//
// Each agent has an active version (what its actions are scored with), at most one shadow version
// on trial (scored on the same actions, never acted on), and the versions it replaced (for
// rollback). Changes arrive as commands through stage(), the control plane's entry (the engine
// reaches it with comlink over a MessageChannel, never from the hot path), and take effect only
// when the engine calls applyStaged() at a cycle boundary: all staged commands at once, so a
// cycle never sees half a change. Reads (active(), shadow()) are plain property loads.
//
// The agent that uses the parameters gets them through its parameter region in shared memory
// (protocol/param_region.ts), bound with bindRegion(): at the boundary where the active version
// changes, the host writes that version and its θ there once; the agent, inline or on its thread,
// reads it at the start of its next cycle. A shadow version is never installed: it is only scored.
import type { ParamRegionWriter } from '../../protocol/param_region.ts';
import { initialTheta, kFeatureCount, thetaProblem } from './expected_return.ts';

/** A parameter version with what it was fitted on and how it validated (the audit trail's record of it). */
export interface ParamVersion {
  agent: string;
  version: number;
  theta: number[];
  /** 'initial' (the agent's own model) or the id of the job that fitted it. */
  source: string;
  /** Event-store range it was fitted and validated on (null for the initial version). */
  data: { stream: string; fromRevision: number; toRevision: number } | null;
  /** Validation scores on the held-out split (null for the initial version). */
  validation: Record<string, number> | null;
  /** Event time (µs) of its last validation; a version older than the configured age expires. */
  validatedTs: number;
}

export type ParamCommand =
  | { op: 'shadow'; version: ParamVersion }
  | { op: 'promote'; agent: string; version: number }
  | { op: 'reject'; agent: string; version: number }
  | { op: 'rollback'; agent: string }
  | { op: 'expire'; agent: string };

/** What applying a command did: `applied` false with the reason when it could not be done. */
export interface ParamChange {
  op: ParamCommand['op'];
  agent: string;
  applied: boolean;
  reason: string;
  /** Active version before and after, and the version the command named (shadow, promoted, rejected). */
  from: number;
  to: number;
  version: number;
}

interface AgentParams {
  active: ParamVersion;
  activeTheta: Float64Array;
  shadow: ParamVersion | null;
  shadowTheta: Float64Array | null;
  previous: ParamVersion[];
  region: ParamRegionWriter | null;
}

export class ParamHost {
  readonly #agents = new Map<string, AgentParams>();
  #staged: ParamCommand[] = [];

  constructor(agents: readonly string[], startTs: number) {
    for (const agent of agents) {
      const v: ParamVersion = { agent, version: 0, theta: Array.from(initialTheta()), source: 'initial', data: null, validation: null, validatedTs: startTs };
      this.#agents.set(agent, { active: v, activeTheta: initialTheta(), shadow: null, shadowTheta: null, previous: [], region: null });
    }
  }

  // ---- the hot side: plain reads -------------------------------------------------------------

  active(agent: string): Float64Array { return this.#get(agent).activeTheta; }
  shadow(agent: string): Float64Array | null { return this.#agents.get(agent)?.shadowTheta ?? null; }
  activeVersion(agent: string): number { return this.#get(agent).active.version; }
  shadowVersion(agent: string): number { return this.#agents.get(agent)?.shadow?.version ?? -1; }
  describe(agent: string): { active: ParamVersion; shadow: ParamVersion | null; previous: number[] } {
    const a = this.#get(agent);
    return { active: a.active, shadow: a.shadow, previous: a.previous.map((v) => v.version) };
  }

  /** Binds the agent's parameter region: its active version is installed there now and at every change. */
  bindRegion(agent: string, region: ParamRegionWriter): void {
    const a = this.#get(agent);
    a.region = region;
    region.write(a.active.version, a.activeTheta);
  }

  // ---- the control plane ---------------------------------------------------------------------

  /** Queues a command for the next cycle boundary; throws (one line) on a malformed one. Returns how many are staged. */
  stage(cmd: ParamCommand): number {
    if (cmd === null || typeof cmd !== 'object') throw new TypeError('parameter command must be an object');
    const agent = cmd.op === 'shadow' ? cmd.version?.agent : cmd.agent;
    if (typeof agent !== 'string' || !this.#agents.has(agent)) throw new TypeError(`parameter command ${String(cmd.op)}: unknown agent ${JSON.stringify(agent)}`);
    if (cmd.op === 'shadow') {
      const problem = thetaProblem(cmd.version.theta);
      if (problem !== null) throw new TypeError(`parameter version ${cmd.version.version} of ${agent}: ${problem}`);
      if (!Number.isInteger(cmd.version.version) || cmd.version.version < 1) throw new TypeError(`parameter version of ${agent} must be a positive integer, got ${String(cmd.version.version)}`);
    } else if (!['promote', 'reject', 'rollback', 'expire'].includes(cmd.op)) {
      throw new TypeError(`unknown parameter command ${JSON.stringify((cmd as { op: unknown }).op)}`);
    }
    this.#staged.push(cmd);
    return this.#staged.length;
  }

  /** Commands waiting for the next cycle boundary. */
  get staged(): number { return this.#staged.length; }

  /** At a cycle boundary (engine): applies every staged command, in order. Returns what changed (empty: nothing staged). */
  applyStaged(): ParamChange[] {
    if (this.#staged.length === 0) return kNone;
    const cmds = this.#staged;
    this.#staged = [];
    const changes = cmds.map((c) => this.#apply(c));
    // Install each agent's resulting active version once, after all of this boundary's commands.
    const installed = new Set<string>();
    for (const ch of changes) {
      if (!ch.applied || ch.op === 'shadow' || ch.op === 'reject' || installed.has(ch.agent)) continue;
      installed.add(ch.agent);
      const a = this.#get(ch.agent);
      a.region?.write(a.active.version, a.activeTheta);
    }
    return changes;
  }

  #apply(c: ParamCommand): ParamChange {
    const agent = c.op === 'shadow' ? c.version.agent : c.agent;
    const a = this.#get(agent);
    const from = a.active.version;
    const done = (applied: boolean, reason: string, version: number): ParamChange => ({ op: c.op, agent, applied, reason, from, to: a.active.version, version });
    switch (c.op) {
      case 'shadow':
        a.shadow = c.version;
        a.shadowTheta = Float64Array.from(c.version.theta.slice(0, kFeatureCount));
        return done(true, 'on trial in shadow', c.version.version);
      case 'promote':
        if (a.shadow === null || a.shadow.version !== c.version) return done(false, `version ${c.version} is not on trial`, c.version);
        a.previous.push(a.active);
        a.active = a.shadow;
        a.activeTheta = a.shadowTheta!;
        a.shadow = null;
        a.shadowTheta = null;
        return done(true, 'promoted', c.version);
      case 'reject':
        if (a.shadow === null || a.shadow.version !== c.version) return done(false, `version ${c.version} is not on trial`, c.version);
        a.shadow = null;
        a.shadowTheta = null;
        return done(true, 'rejected', c.version);
      case 'rollback': {
        const prev = a.previous.pop();
        if (prev === undefined) return done(false, 'no previous version', from);
        a.active = prev;
        a.activeTheta = Float64Array.from(prev.theta);
        return done(true, `rolled back from version ${from}`, prev.version);
      }
      case 'expire': {
        if (a.active.version === 0) return done(false, 'the initial version does not expire', 0);
        a.previous.push(a.active);
        a.active = { ...a.active, version: 0, theta: Array.from(initialTheta()), source: 'initial', data: null, validation: null };
        a.activeTheta = initialTheta();
        return done(true, `version ${from} expired without a fresh validation; back to the agent's own model`, from);
      }
    }
  }

  #get(agent: string): AgentParams {
    const a = this.#agents.get(agent);
    if (a === undefined) throw new TypeError(`no parameters for agent ${JSON.stringify(agent)}`);
    return a;
  }
}

const kNone: ParamChange[] = [];
