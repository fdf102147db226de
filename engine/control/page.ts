// The operator page served at `/`: actions waiting for approval (with their reasons and expected
// profit, approve / reject buttons), the kill switch's state per scope, the agents' circuit
// breakers and live decision counts. It polls GET /control and GET /approvals every second; the
// buttons POST with the bearer token typed into the page (kept in the tab's sessionStorage only).
// Plain HTML and DOM calls: no framework, no external resource; text goes in with textContent.
export const kControlPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lucent-engine · operator</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
h1{font-size:1.3em;margin:0 0 .6em} h2{font-size:1.05em;margin:1.4em 0 .4em}
table{border-collapse:collapse;background:#fff} td,th{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f0f0f0} .ACTIVE,.CLOSED{color:#0a7a2f;font-weight:600} .REDUCING,.HALF_OPEN{color:#b36b00;font-weight:600} .HALTED,.OPEN{color:#c0161c;font-weight:700}
#msg{margin:.6em 0;min-height:1.2em} .num{text-align:right;font-variant-numeric:tabular-nums} button{margin-right:.3em}
</style></head>
<body>
<h1>lucent-engine · operator controls</h1>
<div>Token: <input id="token" type="password" size="34" autocomplete="off" placeholder="bearer token (kept in this tab only)">
<button id="kill">Kill engine</button><button id="resume">Resume engine</button></div>
<div id="msg"></div>
<h2>Kill switch</h2>
<table id="scopes"><thead><tr><th>scope</th><th>state</th><th>mode</th><th>reason</th><th>who</th><th>since</th></tr></thead><tbody></tbody></table>
<h2>Pending approvals (<span id="pending-count">0</span>)</h2>
<table id="approvals"><thead><tr><th>id</th><th>agent</th><th>kind</th><th>instruments</th><th>size</th><th>expected profit</th><th>reason</th><th>expires</th><th></th></tr></thead><tbody></tbody></table>
<h2>Circuit breakers</h2>
<table id="breakers"><thead><tr><th>agent</th><th>state</th><th>reason</th><th>opened</th><th>half-opened</th><th>closed</th></tr></thead><tbody></tbody></table>
<h2>Learning</h2>
<table id="learning"><thead><tr><th>agent</th><th>status</th><th>parameter version</th><th>jobs</th><th>promotions</th></tr></thead><tbody></tbody></table>
<h2>Decisions</h2>
<table id="decisions"><thead><tr><th>approved</th><th>rejected</th><th>pending approval</th><th>cycle</th></tr></thead><tbody><tr><td class="num" id="d-approved">0</td><td class="num" id="d-rejected">0</td><td class="num" id="d-pending">0</td><td class="num" id="d-cycle">0</td></tr></tbody></table>
<script>
const $ = (id) => document.getElementById(id);
const tok = $('token');
tok.value = sessionStorage.getItem('lucent-token') || '';
tok.addEventListener('change', () => sessionStorage.setItem('lucent-token', tok.value));
const usd = (x) => '$' + Number(x).toLocaleString('en-US', { maximumFractionDigits: 2 });
function row(cells, cls) {
  const tr = document.createElement('tr');
  cells.forEach((c, i) => { const td = document.createElement('td'); if (c instanceof Node) td.appendChild(c); else td.textContent = String(c); if (cls && cls[i]) td.className = cls[i]; tr.appendChild(td); });
  return tr;
}
function fill(id, rows) { const tb = document.querySelector('#' + id + ' tbody'); tb.replaceChildren(...rows); }
async function post(path, body) {
  const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + tok.value }, body: JSON.stringify(body || {}) });
  const j = await r.json().catch(() => ({}));
  $('msg').textContent = r.status + ' ' + (j.error || j.reason || (j.ok ? j.scope + ' ' + j.state : JSON.stringify(j)));
  refresh();
}
function button(text, fn) { const b = document.createElement('button'); b.textContent = text; b.addEventListener('click', fn); return b; }
$('kill').addEventListener('click', () => post('/control/kill', { scope: 'engine' }));
$('resume').addEventListener('click', () => post('/control/resume', { scope: 'engine' }));
async function refresh() {
  try {
    const [c, a] = await Promise.all([fetch('/control').then((r) => r.json()), fetch('/approvals').then((r) => r.json())]);
    const scopes = [c.engine, ...c.agents, ...c.kinds].filter((s) => s.scope === 'engine' || s.state !== 'ACTIVE' || s.since);
    fill('scopes', scopes.map((s) => row([s.scope === 'engine' ? 'engine' : s.scope + ' ' + s.name, s.state, s.mode || '', s.reason, s.who, s.since], [null, s.state])));
    $('pending-count').textContent = a.pending.length;
    fill('approvals', a.pending.map((p) => {
      const act = document.createElement('span');
      act.append(button('Approve', () => post('/approvals/' + p.id + '/approve')), button('Reject', () => post('/approvals/' + p.id + '/reject')));
      return row([p.id, p.agent, p.kind, p.instruments.join(' → '), usd(p.sizeUsd), usd(p.expectedProfitUsd), p.reason, p.expiresAt, act], [null, null, null, null, 'num', 'num']);
    }));
    fill('learning', (c.learning || []).map((l) => row([l.agent, l.status, String(l.activeVersion), String(l.jobs), String(l.promotions)], [null, null, 'num', 'num', 'num'])));
    fill('breakers', c.breakers.map((b) => row([b.agent, b.state, b.reason, b.opened, b.halfOpened, b.closed], [null, b.state])));
    $('d-approved').textContent = c.decisions.approved; $('d-rejected').textContent = c.decisions.rejected;
    $('d-pending').textContent = c.decisions.pending_approval; $('d-cycle').textContent = c.cycle;
    document.body.dataset.updated = String(Date.now());
  } catch (e) { $('msg').textContent = 'engine not reachable: ' + e.message; }
}
refresh(); setInterval(refresh, 1000);
</script>
</body></html>
`;
