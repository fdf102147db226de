// The --http option: the record's ports by default, one address with HOST:PORT, clear errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OptionError } from '../../protocol/errors.ts';
import { describeHttp, parseHttpOption } from './http_option.ts';

test('the bare flag serves health/ready on 127.0.0.1:8080 and metrics on 127.0.0.1:9090', () => {
  const want = { health: { host: '127.0.0.1', port: 8080 }, metrics: { host: '127.0.0.1', port: 9090 } };
  assert.equal(parseHttpOption(true), want);
  assert.equal(parseHttpOption(undefined), want);
  assert.equal(parseHttpOption(''), want);
  assert.is(describeHttp(want), 'health and ready on 127.0.0.1:8080, metrics on 127.0.0.1:9090');
});

test('HOST keeps the two ports; HOST:PORT puts all three on one address', () => {
  assert.equal(parseHttpOption('0.0.0.0'), { health: { host: '0.0.0.0', port: 8080 }, metrics: { host: '0.0.0.0', port: 9090 } });
  assert.equal(parseHttpOption('127.0.0.1:9100'), { all: { host: '127.0.0.1', port: 9100 } });
  assert.equal(parseHttpOption(':9100'), { all: { host: '127.0.0.1', port: 9100 } });
  assert.equal(parseHttpOption('engine-0.lucent.svc:8081'), { all: { host: 'engine-0.lucent.svc', port: 8081 } });
  assert.equal(parseHttpOption('[::1]:9100'), { all: { host: '::1', port: 9100 } });
  assert.equal(parseHttpOption('[::]'), { health: { host: '::', port: 8080 }, metrics: { host: '::', port: 9090 } });
  assert.is(describeHttp(parseHttpOption('[::1]:9100')), 'health, ready and metrics on [::1]:9100');
});

test('bad values: one line that names the option and what is wrong', () => {
  const bad = (v: string, re: RegExp): void => {
    assert.throws(() => parseHttpOption(v), (e: Error) => e instanceof OptionError && re.test(e.message), `${v} → ${re}`);
  };
  bad('127.0.0.1:99999', /^--http: port "99999" in "127\.0\.0\.1:99999" must be an integer in 1\.\.65535$/);
  bad('127.0.0.1:0', /port "0" .* must be an integer in 1\.\.65535/);
  bad('127.0.0.1:', /port "" .* must be an integer/);
  bad('127.0.0.1:80x', /port "80x"/);
  bad('::1', /has several colons; write an IPv6 address in brackets, e\.g\. \[::1\]:9090/);
  bad('[1.2.3.4]:80', /"1\.2\.3\.4" in brackets is not an IPv6 address/);
  bad('300.1.1.1:80', /"300\.1\.1\.1" in "300\.1\.1\.1:80" is not an IPv4 address or a host name/);
  bad('my_host', /"my_host" .* is not an IPv4 address or a host name/);
  bad('http://x:80', /several colons/);
});

test.run();
