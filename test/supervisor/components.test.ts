// `npm start -- --deny ... --scope-pid N`: the supervisor hands the agent's policy
// flags to the agent, and to no other component.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemComponents } from '../../supervisor/components.js';

const base = {
  db: '/d/ks.db', logDir: '/l', logLevel: 'info', scrapeInterval: 5, tracers: ['sched'] as const,
  agent: true, agentInterval: 60, dryRun: false, distDir: '/nonexistent', tracerDir: '/nonexistent',
};

test('--deny, --deny-uid and --scope-pid are on the agent\'s command line', () => {
  const specs = systemComponents({ ...base, deny: ['myapp', 'pg*'], denyUids: [0, 999], scopePid: 4242 });
  const agent = specs.find((s) => s.name === 'agent')!;
  const script = agent.args.findIndex((a) => a.endsWith('agent/main.js'));
  assert.deepEqual(agent.args.slice(script + 1),
    ['--db', '/d/ks.db', '--interval', '60', '--restore-on-exit', '--deny', 'myapp,pg*', '--deny-uid', '0,999', '--scope-pid', '4242', '--log-dir', '/l', '--log-level', 'info']);
  for (const s of specs.filter((x) => x.name !== 'agent')) {
    assert.ok(!s.args.includes('--deny') && !s.args.includes('--scope-pid'), `${s.name} gets no agent policy flags`);
  }
});

test('without them the agent\'s command line has neither', () => {
  const agent = systemComponents({ ...base, deny: [] }).find((s) => s.name === 'agent')!;
  assert.ok(!agent.args.includes('--deny') && !agent.args.includes('--scope-pid'));
});

test('npm start: the agent restores what it changed on exit unless --keep-changes', () => {
  const agentOf = (o: Partial<Parameters<typeof systemComponents>[0]>) => systemComponents({ ...base, ...o }).find((s) => s.name === 'agent')!;
  assert.ok(agentOf({}).args.includes('--restore-on-exit'), 'default: --restore-on-exit');
  assert.ok(!agentOf({ keepChanges: true }).args.includes('--restore-on-exit'), '--keep-changes: no --restore-on-exit');
  const twice = agentOf({ agentArgs: ['--restore-on-exit'] }).args.filter((a) => a === '--restore-on-exit');
  assert.equal(twice.length, 1, 'given in --agent-args too: once');
  for (const s of systemComponents(base).filter((x) => x.name !== 'agent')) assert.ok(!s.args.includes('--restore-on-exit'));
});

test('dropping privileges: everything but the executor runs as the user, tracers only with their capabilities; the executor gets the same policy', () => {
  const user = { name: 'kernelsight', uid: 999, gid: 995 };
  const specs = systemComponents({
    ...base, tracers: ['sched', 'syscall'], deny: ['myapp'], dryRun: true, agentArgs: ['--settle', '2', '--cooldown=0', '--max-actions', '1'],
    plan: { user, tracersAsUser: new Set(['sched']), notes: [] },
  });
  const by = new Map(specs.map((s) => [s.name, s]));
  assert.deepEqual([...by.keys()], ['ingestion', 'scraper', 'sched', 'syscall', 'executor', 'agent'], 'the executor starts before the agent');
  for (const n of ['ingestion', 'scraper', 'sched', 'agent']) assert.deepEqual(by.get(n)!.user, { uid: 999, gid: 995 }, n);
  assert.equal(by.get('syscall')!.user, undefined, 'a tracer without its capabilities stays root');
  assert.equal(by.get('executor')!.user, undefined, 'the executor keeps root');
  const ex = by.get('executor')!.args;
  for (const f of ['--dry-run', '--deny', '--settle', '--cooldown=0']) assert.ok(ex.includes(f), `${f} on the executor: ${ex.join(' ')}`);
  assert.ok(!ex.includes('--max-actions'), 'not a policy flag');
  const agent = by.get('agent')!.args;
  assert.equal(agent[agent.indexOf('--executor-socket') + 1], '/d/executor.sock');
});

test('an executor of its own (--executor-socket): none is started, the agent runs and acts through it', () => {
  const specs = systemComponents({ ...base, externalExecutor: '/run/x.sock', uid: 999 });
  assert.equal(specs.some((s) => s.name === 'executor'), false);
  const agent = specs.find((s) => s.name === 'agent')!.args;
  assert.equal(agent[agent.indexOf('--executor-socket') + 1], '/run/x.sock');
});
