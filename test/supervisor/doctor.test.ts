// `npm run doctor`: one line per check, OK / WARN / FAIL with the fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DIST } from '../../lib/paths.js';
import { allHooks } from '../../lib/producers.js';
import { checkBtf, checkBuild, checkComponents, checkHooks, checkKey, checkNode, checkPsi, checkTracefs, checkWritable, formatCheck } from '../../supervisor/doctor.js';
import { tempDir } from '../../harness/wait.js';

const DOCTOR = path.join(DIST, 'supervisor', 'doctor-main.js');

test('doctor prints one OK/WARN/FAIL line per check and never the key itself', (t) => {
  const dir = tempDir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const secret = 'AIzaDOCTOR-secret-value';
  const r = spawnSync(process.execPath, [DOCTOR, '--db', path.join(dir, 'data', 'ks.db'), '--log-dir', path.join(dir, 'logs')], {
    encoding: 'utf8', env: { ...process.env, GEMINI_API_KEY: secret },
  });
  const lines = r.stdout.trim().split('\n');
  const checks = lines.filter((l) => /^(OK  |WARN|FAIL) /.test(l));
  assert.ok(checks.length >= 15, r.stdout);
  for (const name of ['node', 'BTF', 'tracepoint sched_switch', 'tracefs', 'PSI', 'toolchain', 'tracers built', 'reaper', 'database dir', 'log dir', 'GEMINI_API_KEY']) {
    assert.ok(checks.some((l) => l.slice(5).startsWith(name)), `no line for ${name}:\n${r.stdout}`);
  }
  assert.ok(checks.includes('OK   GEMINI_API_KEY: set'));
  assert.ok(!r.stdout.includes(secret));
  for (const l of checks.filter((x) => x.startsWith('FAIL'))) assert.match(l, / — /, `a FAIL without a fix: ${l}`);
  assert.equal(r.status, checks.some((l) => l.startsWith('FAIL')) ? 1 : 0);
  if (process.getuid?.() === 0) assert.ok(checks.includes('OK   root'));
});

test('doctor as an unprivileged user: the permission check fails with the fix, exit 1', { skip: process.getuid?.() !== 0 ? 'needs root to drop privileges' : false }, (t) => {
  const dir = tempDir();
  fs.chmodSync(dir, 0o777);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, DOCTOR, '--db', path.join(dir, 'ks.db'), '--log-dir', path.join(dir, 'logs')], { encoding: 'utf8' });
  assert.match(r.stdout, /^FAIL root\/BPF permission: not root and no CAP_BPF\+CAP_PERFMON.* — run as root: sudo npm start/m, r.stdout + r.stderr);
  assert.equal(r.status, 1);
});

test('each check names the fix when its requirement is missing', () => {
  assert.equal(formatCheck(checkBtf('/nonexistent/vmlinux')), 'FAIL BTF: /nonexistent/vmlinux missing — rebuild the kernel with CONFIG_DEBUG_INFO_BTF=y (or use a distribution kernel that has it)');
  assert.equal(formatCheck(checkTracefs(['/nonexistent/tracing'])), 'WARN tracefs: not mounted at /nonexistent/tracing: the tracers do not need it (BTF raw tracepoints); bpftrace in npm run bench does — mount -t tracefs nodev /nonexistent/tracing');
  const [none] = checkHooks('/nonexistent/vmlinux', ['/nonexistent/tracing']);
  assert.match(formatCheck(none!), /^FAIL tracepoints: cannot check .* — use a kernel with CONFIG_DEBUG_INFO_BTF=y/);
  assert.match(formatCheck(checkPsi('/nonexistent')), /^WARN PSI: cannot read .* — enable PSI: CONFIG_PSI=y and boot with psi=1$/);
  const build = checkBuild('/nonexistent', ['no-such-tool-xyz']);
  assert.match(formatCheck(build[0]), /^FAIL toolchain: missing no-such-tool-xyz.* — sudo apt-get install/);
  assert.match(formatCheck(build[1]), /^FAIL tracers built: missing syscall_tracer, sched_tracer, page_fault_tracer, io_latency_tracer .* — make -C tracers/);
  const reaper = checkComponents(DIST, '/nonexistent/reaper').find((c) => c.name === 'reaper')!;
  assert.match(formatCheck(reaper), /^WARN reaper: not built \(\/nonexistent\/reaper\).* — make -C supervisor\/reaper$/);
  assert.match(formatCheck(checkWritable('database dir', '/proc/ks-doctor-test')), /^FAIL database dir: \/proc\/ks-doctor-test is not writable: \w+ — /);
  assert.equal(formatCheck(checkKey({})), 'WARN GEMINI_API_KEY: not set: the agent decides on rules only — export GEMINI_API_KEY=... before npm start (or answer the prompt)');
  assert.equal(checkNode('18.19.0').status, 'fail');
  assert.equal(checkNode('20.1.0').status, 'ok');
});

const BTF = '/sys/kernel/btf/vmlinux';

test('tracepoint checks: every hook of the producer registry, found through BTF whether or not tracefs is mounted', { skip: !fs.existsSync(BTF) && 'no kernel BTF' }, () => {
  const hooks = allHooks();
  assert.ok(hooks.length >= 11, `the registry lists ${hooks.length} hooks`);
  const checks = checkHooks(BTF, ['/nonexistent/tracing']);
  assert.deepEqual(checks.map((c) => c.name), hooks.map((h) => `tracepoint ${h.name}`));
  for (const c of checks.filter((x) => hooks.find((h) => `tracepoint ${h.name}` === x.name)!.required)) {
    assert.equal(c.status, 'ok', formatCheck(c));
    assert.match(c.detail!, /^BTF btf_trace_/);
  }
  // A kernel without one hook: a FAIL for a required hook, a WARN for an optional one.
  const dir = tempDir();
  try {
    const fake = path.join(dir, 'vmlinux');
    const strings = Buffer.from('\0btf_trace_sys_enter\0int\0');
    const hdr = Buffer.alloc(24);
    hdr.writeUInt16LE(0xeb9f, 0); hdr.writeUInt8(1, 2); hdr.writeUInt32LE(24, 4);
    hdr.writeUInt32LE(0, 8); hdr.writeUInt32LE(0, 12); hdr.writeUInt32LE(0, 16); hdr.writeUInt32LE(strings.length, 20);
    fs.writeFileSync(fake, Buffer.concat([hdr, strings]));
    const got = checkHooks(fake, ['/nonexistent/tracing']);
    assert.equal(got.find((c) => c.name === 'tracepoint sys_enter')!.status, 'ok');
    assert.match(formatCheck(got.find((c) => c.name === 'tracepoint sched_switch')!), /^FAIL tracepoint sched_switch: not in kernel BTF: sched cannot run — /);
    assert.match(formatCheck(got.find((c) => c.name === 'tracepoint block_io_start')!), /^WARN tracepoint block_io_start: not in kernel BTF: io_latency runs without it/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('doctor passes its tracepoint checks with tracefs mounted and without it', { skip: (process.getuid?.() !== 0 || !fs.existsSync(BTF)) && 'needs root (mounts a tracefs) and BTF' }, (t) => {
  const dir = tempDir();
  const mnt = path.join(dir, 'tracing');
  fs.mkdirSync(mnt);
  const mounted = spawnSync('mount', ['-t', 'tracefs', 'nodev', mnt]).status === 0;
  t.after(() => { if (mounted) spawnSync('umount', [mnt]); fs.rmSync(dir, { recursive: true, force: true }); });
  if (!mounted) return t.skip('tracefs cannot be mounted here');
  for (const dirs of [[mnt], ['/nonexistent/tracing']]) {
    const checks = [...checkHooks(BTF, dirs), checkTracefs(dirs)];
    assert.deepEqual(checks.filter((c) => c.status === 'fail'), [], `tracing dirs ${dirs}`);
    assert.equal(checks.at(-1)!.status, dirs[0] === mnt ? 'ok' : 'warn');
  }
  // Without BTF, tracefs alone answers for the hooks.
  const viaTracefs = checkHooks('/nonexistent/vmlinux', [mnt]);
  assert.equal(viaTracefs.find((c) => c.name === 'tracepoint sched_switch')!.status, 'ok');
  assert.equal(viaTracefs.find((c) => c.name === 'tracepoint sched_switch')!.detail, 'tracefs (sched)');
});
