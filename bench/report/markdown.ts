// The readable report: environment, the issue's targets against what was measured, then every
// scenario's notes, tables and charts (SVG files next to the report).
import { fmtNum } from './format.ts';
import { markdownTable } from './format.ts';
import type { BenchResult, ScenarioResult } from './types.ts';

export function environmentLines(r: BenchResult): string[] {
  const e = r.environment;
  return [
    `- CPU: ${e.cpu} × ${e.cores} logical cores (availableParallelism ${e.availableParallelism}), ${fmtNum(e.memoryGiB)} GiB RAM, ${e.platform}/${e.arch} ${e.kernel}`,
    `- Node ${e.node}, V8 ${e.v8}; ${Object.entries(e.packages).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `- load average at start: ${e.loadAverage.map((x) => x.toFixed(2)).join(' / ')} (other work on the machine shows up as noise)`,
    `- mode: ${r.quick ? 'quick (--quick: fewer rates, shorter runs)' : 'full'}; started ${r.startedAt}, finished ${r.finishedAt}`,
  ];
}

export function scenarioMarkdown(s: ScenarioResult, chartDir: string): string {
  const out: string[] = [];
  out.push(`## ${s.title}`);
  out.push('');
  if (s.skipped) {
    out.push(`*Skipped: ${s.skipped}*`);
    out.push('');
    return out.join('\n');
  }
  for (const n of s.notes) out.push(`- ${n}`);
  if (s.notes.length) out.push('');
  for (const t of s.tables) {
    out.push(`**${t.title}**`);
    out.push('');
    out.push(markdownTable(t));
    if (t.note) { out.push(''); out.push(`<sub>${t.note}</sub>`); }
    out.push('');
  }
  for (const c of s.charts) {
    out.push(`![${c.title}](${chartDir ? `${chartDir}/` : ''}${c.file})`);
    out.push('');
  }
  out.push(`<sub>scenario time ${(s.elapsedMs / 1000).toFixed(1)} s</sub>`);
  out.push('');
  return out.join('\n');
}

export function reportMarkdown(r: BenchResult, chartDir: string): string {
  const out: string[] = [];
  out.push(`# lucent-engine benchmark report`);
  out.push('');
  out.push(...environmentLines(r));
  out.push('');
  if (r.targets.length) {
    out.push('## Targets');
    out.push('');
    out.push(markdownTable({
      title: 'targets',
      columns: ['target', 'measured', 'met?', 'detail'],
      rows: r.targets.map((t) => [t.target, t.measured, t.ok === null ? 'not measured' : t.ok ? 'yes' : 'NO', t.detail]),
    }));
    out.push('');
  }
  for (const s of r.scenarios) out.push(scenarioMarkdown(s, chartDir));
  return out.join('\n');
}
