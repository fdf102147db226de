// The control endpoints, on the engine's HTTP server (the router of the /health address):
//   GET  /control                     trading states, breakers, counts (no token needed)
//   POST /control/kill                {"scope":"engine"} | {"scope":"agent","agent":"…"} | {"scope":"kind","kind":"…"}
//                                     optional "state": "HALTED" (default) | "REDUCING", "mode": "pause" (default) | "stop", "reason"
//   POST /control/resume              the same scope body
//   GET  /approvals                   actions waiting for a person
//   POST /approvals/<id>/approve      re-priced now, then carried out, or refused with the reason
//   POST /approvals/<id>/reject       optional {"reason": "…"}
//   GET  /                            the operator page
// Every POST needs `Authorization: Bearer <token>` (tokens.ts): a missing or wrong one is 401 and
// counted. Bodies are at most 4 KiB of JSON, checked key by key; a bad one is 400 naming what was
// wrong.
import type { Reply, RequestContext, Route, Router } from '../http/router.ts';
import { jsonReply } from '../http/router.ts';
import type { ApprovalQueue } from './approvals.ts';
import type { TripAction } from '../control_config.ts';
import type { ControlPlane, ScopeRef, StopMode } from './control_plane.ts';
import { kControlPage } from './page.ts';
import type { Tokens } from './tokens.ts';

export const kControlBodyLimit = 4096;
const kKindName = /^[a-z][a-z0-9_]{0,63}$/;

class BadRequest extends Error {}

export interface ControlRouteDeps {
  control: ControlPlane;
  approvals: ApprovalQueue | null;
  tokens: Tokens;
  /** The agents this engine runs (an agent scope must name one). */
  agents: readonly string[];
  /** With the learning loop on: each agent's learning status (ACTIVE, RETRAINING, SHADOW) and active parameter version. */
  learning?: (() => readonly { agent: string; status: string; activeVersion: number; jobs: number; promotions: number }[]) | undefined;
}

function parseBody(ctx: RequestContext, allowed: readonly string[], required: boolean): Record<string, unknown> {
  const text = ctx.body.toString('utf8').trim();
  if (text === '') {
    if (required) throw new BadRequest('the body must be a JSON object, e.g. {"scope":"engine"}');
    return {};
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new BadRequest('the body is not valid JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BadRequest('the body must be a JSON object');
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw new BadRequest(`unknown key "${k.slice(0, 40)}" (allowed: ${allowed.join(', ')})`);
  return v as Record<string, unknown>;
}

function parseScope(b: Record<string, unknown>, agents: readonly string[]): ScopeRef {
  const scope = b.scope;
  if (scope === 'engine') {
    if (b.agent !== undefined || b.kind !== undefined) throw new BadRequest('scope "engine" takes no agent or kind');
    return { scope: 'engine', name: '' };
  }
  if (scope === 'agent') {
    if (typeof b.agent !== 'string' || !agents.includes(b.agent)) throw new BadRequest(`scope "agent" needs "agent", one of: ${agents.join(', ')}`);
    if (b.kind !== undefined) throw new BadRequest('scope "agent" takes no kind');
    return { scope: 'agent', name: b.agent };
  }
  if (scope === 'kind') {
    if (typeof b.kind !== 'string' || !kKindName.test(b.kind)) throw new BadRequest('scope "kind" needs "kind", an action kind such as arbitrage_triangular');
    if (b.agent !== undefined) throw new BadRequest('scope "kind" takes no agent');
    return { scope: 'kind', name: b.kind };
  }
  throw new BadRequest('"scope" must be "engine", "agent" or "kind"');
}

function reasonOf(b: Record<string, unknown>): string | undefined {
  if (b.reason === undefined) return undefined;
  if (typeof b.reason !== 'string' || b.reason.length > 200 || /[\u0000-\u001f\u007f]/.test(b.reason)) throw new BadRequest('"reason" must be a string of at most 200 printable characters');
  return b.reason;
}

export function controlRoutes(d: ControlRouteDeps): Route[] {
  const { control, approvals, tokens } = d;
  const authed = (fn: (ctx: RequestContext, who: string) => Reply): Route['handler'] => (ctx) => {
    const who = tokens.who(ctx.req);
    if (who === null) {
      control.counts.unauthorized++;
      return { ...jsonReply(401, { error: 'a valid bearer token is required (Authorization: Bearer <token>)' }), headers: { 'www-authenticate': 'Bearer' } };
    }
    try {
      return fn(ctx, who);
    } catch (err) {
      if (err instanceof BadRequest) return jsonReply(400, { error: err.message });
      throw err;
    }
  };
  const post = (path: string, fn: (ctx: RequestContext, who: string) => Reply): Route => ({ method: 'POST', path, handler: authed(fn), bodyLimitBytes: kControlBodyLimit });
  const routes: Route[] = [
    { method: 'GET', path: '/', handler: () => ({ status: 200, body: kControlPage, contentType: 'text/html; charset=utf-8', headers: { 'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'" } }) },
    { method: 'GET', path: '/control', handler: () => jsonReply(200, { ...control.snapshot(), approvalsPending: approvals?.size ?? 0, recent: control.log.recent.slice(-20), learning: d.learning?.() ?? [] }) },
    post('/control/kill', (ctx, who) => {
      const b = parseBody(ctx, ['scope', 'agent', 'kind', 'state', 'mode', 'reason'], true);
      const ref = parseScope(b, d.agents);
      const state = b.state ?? 'HALTED';
      if (state !== 'HALTED' && state !== 'REDUCING') throw new BadRequest('"state" must be "HALTED" or "REDUCING"');
      const mode = b.mode ?? 'pause';
      if (mode !== 'pause' && mode !== 'stop') throw new BadRequest('"mode" must be "pause" or "stop"');
      const changed = control.kill(ref, who, { state: state as TripAction, mode: mode as StopMode, reason: reasonOf(b) });
      return jsonReply(200, { ok: true, changed, scope: ref.scope, name: ref.name, state: control.stateOf(ref), who });
    }),
    post('/control/resume', (ctx, who) => {
      const b = parseBody(ctx, ['scope', 'agent', 'kind'], true);
      const ref = parseScope(b, d.agents);
      const changed = control.resume(ref, who);
      return jsonReply(200, { ok: true, changed, scope: ref.scope, name: ref.name, state: control.stateOf(ref), who });
    }),
  ];
  if (approvals !== null) {
    routes.push({ method: 'GET', path: '/approvals', handler: () => jsonReply(200, { pending: approvals.list(), outcomes: approvals.outcomes }) });
  }
  return routes;
}

/** The two routes of one pending action (the router matches exact paths; unknown ids are 404). */
export function approvalRoutes(d: ControlRouteDeps, id: string): Route[] {
  const approvals = d.approvals!;
  const tokens = d.tokens;
  const handler = (op: 'approve' | 'reject'): Route['handler'] => (ctx) => {
    const who = tokens.who(ctx.req);
    if (who === null) {
      d.control.counts.unauthorized++;
      return { ...jsonReply(401, { error: 'a valid bearer token is required (Authorization: Bearer <token>)' }), headers: { 'www-authenticate': 'Bearer' } };
    }
    let reason: string | undefined;
    try {
      const b = parseBody(ctx, op === 'reject' ? ['reason'] : [], false);
      reason = reasonOf(b);
    } catch (err) {
      if (err instanceof BadRequest) return jsonReply(400, { error: err.message });
      throw err;
    }
    const out = op === 'approve' ? approvals.approve(id, who) : approvals.reject(id, who, reason);
    const status = out.status === 'not_found' ? 404 : out.status === 'refused' || out.status === 'expired' ? 409 : 200;
    return jsonReply(status, { ...out, who });
  };
  return [
    { method: 'POST', path: `/approvals/${id}/approve`, handler: handler('approve'), bodyLimitBytes: kControlBodyLimit },
    { method: 'POST', path: `/approvals/${id}/reject`, handler: handler('reject'), bodyLimitBytes: kControlBodyLimit },
  ];
}

/** Registers the control routes, and each pending action's as it joins the queue. */
export function addControlRoutes(router: Router, d: ControlRouteDeps): void {
  for (const r of controlRoutes(d)) router.add(r);
  if (d.approvals === null) return;
  const registered = new Set<string>();
  const add = (id: string): void => {
    if (registered.has(id)) return;
    registered.add(id);
    for (const r of approvalRoutes(d, id)) router.add(r);
  };
  for (const a of d.approvals.list()) add(a.id);
  d.approvals.onAdded = add;
}
