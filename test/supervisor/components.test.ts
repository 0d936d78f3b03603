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
