// The host installs the active version into the agent's parameter region at the boundary where it
// changes (promote, rollback, expire), once per boundary whatever was staged, and never a version
// that is only on trial (shadow) or was rejected.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allocateParamRegion, ParamRegionReader, ParamRegionWriter } from '../../protocol/param_region.ts';
import { ParamHost, type ParamVersion } from './param_host.ts';

const version = (v: number, theta: number[]): ParamVersion => ({ agent: 'r', version: v, theta, source: `job-${v}`, data: null, validation: null, validatedTs: 0 });

class CountingWriter extends ParamRegionWriter {
  writes = 0;
  override write(v: number, values: ArrayLike<number>): void { this.writes++; super.write(v, values); }
}

test('only the active version reaches the region, at the boundary that changes it', () => {
  const buf = allocateParamRegion();
  const host = new ParamHost(['r'], 0);
  const w = new CountingWriter(buf);
  const agent = new ParamRegionReader(buf);
  host.bindRegion('r', w);
  assert.is(agent.refresh(), 0);
  assert.equal(Array.from(agent.values).slice(0, 3), [0, 1, 0], 'the agent\'s own model is installed at start');
  host.stage({ op: 'shadow', version: version(1, [0.1, 2, -1]) });
  host.applyStaged();
  assert.is(agent.refresh(), 0, 'a shadow version is scored, never installed');
  assert.is(w.writes, 1);
  host.stage({ op: 'promote', agent: 'r', version: 1 });
  assert.is(agent.refresh(), 0, 'staged is not applied');
  host.applyStaged();
  assert.is(agent.refresh(), 1);
  assert.equal(Array.from(agent.values).slice(0, 3), [0.1, 2, -1]);
  // shadow, reject, shadow, promote, rollback at one boundary: one write, of what is active after all of them
  host.stage({ op: 'shadow', version: version(2, [1, 1, 1]) });
  host.stage({ op: 'reject', agent: 'r', version: 2 });
  host.stage({ op: 'shadow', version: version(3, [3, 3, 3]) });
  host.stage({ op: 'promote', agent: 'r', version: 3 });
  host.stage({ op: 'rollback', agent: 'r' });
  const before = w.writes;
  host.applyStaged();
  assert.is(w.writes - before, 1);
  assert.is(agent.refresh(), 1);
  assert.equal(Array.from(agent.values).slice(0, 3), [0.1, 2, -1]);
  host.stage({ op: 'expire', agent: 'r' });
  host.applyStaged();
  assert.is(agent.refresh(), 0);
  assert.equal(Array.from(agent.values).slice(0, 3), [0, 1, 0]);
  // a command that could not be applied writes nothing
  host.stage({ op: 'promote', agent: 'r', version: 9 });
  const n = w.writes;
  assert.is(host.applyStaged()[0]!.applied, false);
  assert.is(w.writes, n);
});

test.run();
