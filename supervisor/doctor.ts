// `npm run doctor`: can KernelSight run fully here? Each check is one line,
// OK, WARN (runs degraded) or FAIL (the fix is on the line). Paths are
// parameters so tests can point a check at a missing file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DIST, REAPER_BIN, TRACER_BIN_DIR } from '../lib/paths.js';
import { readPidStatus } from '../lib/procfs/pid.js';
import { allHooks, TRACER_ENTRIES } from '../lib/producers.js';
import { describeComponent, runningSupervisor } from '../lib/supervisor-state.js';
import { toModelError } from '../lib/llm/errors.js';
import { createProvider, destination, NO_PROVIDER, PROVIDER_NAMES, providerConfig, providerFromEnv, type EnvChoice } from '../lib/llm/index.js';
import { serviceUser, unreachableBy } from '../lib/service-user.js';
import { tracerDropBlocker, TRACER_CAPS } from './privileges.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';
export interface Check {
  readonly status: CheckStatus;
  readonly name: string;
  readonly detail?: string;
  readonly fix?: string;
}

export interface DoctorOptions {
  readonly db: string;
  readonly logDir: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly btfPath?: string;
  readonly tracingDirs?: readonly string[];
  readonly pressureDir?: string;
  readonly distDir?: string;
  readonly tracerDir?: string;
  readonly tools?: readonly string[];
}

const ok = (name: string, detail?: string): Check => ({ status: 'ok', name, detail });
const warn = (name: string, detail: string, fix?: string): Check => ({ status: 'warn', name, detail, fix });
const fail = (name: string, detail: string, fix: string): Check => ({ status: 'fail', name, detail, fix });

/** Effective capability bit from /proc/self/status. */
function hasCap(bit: number): boolean {
  const cap = readPidStatus('self')?.capEff;
  return cap !== undefined && ((cap >> BigInt(bit)) & 1n) === 1n;
}

export function checkPermission(): Check {
  if (process.getuid?.() === 0) return ok('root');
  if (hasCap(39) && hasCap(38)) return ok('BPF permission', 'CAP_BPF and CAP_PERFMON');
  if (hasCap(21)) return ok('BPF permission', 'CAP_SYS_ADMIN');
  return fail('root/BPF permission', 'not root and no CAP_BPF+CAP_PERFMON: the eBPF tracers cannot load (they report "unavailable")', 'run as root: sudo npm start (or setcap cap_bpf,cap_perfmon+ep on tracers/build/*)');
}

export function checkBtf(file = '/sys/kernel/btf/vmlinux'): Check {
  return fs.existsSync(file)
    ? ok('BTF', file)
    : fail('BTF', `${file} missing`, 'rebuild the kernel with CONFIG_DEBUG_INFO_BTF=y (or use a distribution kernel that has it)');
}

/**
 * The strings of a BTF blob (/sys/kernel/btf/vmlinux), or undefined when it
 * cannot be read. Only the string section: a hook's typedef name lives there.
 */
function btfStrings(file: string): Buffer | undefined {
  let buf: Buffer;
  try { buf = fs.readFileSync(file); } catch { return undefined; }
  if (buf.length < 24 || buf.readUInt16LE(0) !== 0xeb9f) return undefined;
  const hdrLen = buf.readUInt32LE(4);
  const strOff = buf.readUInt32LE(16);
  const strLen = buf.readUInt32LE(20);
  // A truncated or odd blob is no answer: then tracefs decides.
  if (hdrLen < 24 || hdrLen + strOff + strLen > buf.length) return undefined;
  return buf.subarray(hdrLen + strOff, hdrLen + strOff + strLen);
}

/** tracefs events/ directory, when mounted. */
function tracefsEvents(dirs: readonly string[]): string | undefined {
  const root = dirs.find((d) => fs.existsSync(path.join(d, 'events')));
  return root && path.join(root, 'events');
}

function inTracefs(events: string, hook: string): boolean {
  try {
    return fs.readdirSync(events).some((cat) => fs.existsSync(path.join(events, cat, hook)));
  } catch {
    return false;
  }
}

/**
 * Every hook the tracers attach (the producer registry's list). They are
 * BTF-typed raw tracepoints: what they need is `btf_trace_<hook>` in the kernel's
 * BTF, not tracefs, so BTF is asked first and tracefs only when BTF cannot be
 * read. A missing required hook is a FAIL for its tracer; an optional one a WARN.
 */
export function checkHooks(btfPath = '/sys/kernel/btf/vmlinux', dirs: readonly string[] = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing']): Check[] {
  const strings = btfStrings(btfPath);
  const events = tracefsEvents(dirs);
  const out: Check[] = [];
  if (!strings && !events) {
    return [fail('tracepoints', `cannot check the tracers' hooks: ${btfPath} unreadable and tracefs not mounted`, 'use a kernel with CONFIG_DEBUG_INFO_BTF=y (the tracers need it)')];
  }
  for (const h of allHooks()) {
    const found = strings ? strings.includes(Buffer.from(`\0btf_trace_${h.name}\0`)) : inTracefs(events!, h.name);
    const where = strings ? `BTF btf_trace_${h.name}` : 'tracefs';
    const who = h.tracers.join(', ');
    if (found) out.push(ok(`tracepoint ${h.name}`, `${where} (${who})`));
    else if (h.required) out.push(fail(`tracepoint ${h.name}`, `not in ${strings ? 'kernel BTF' : 'tracefs'}: ${who} cannot run`, 'this kernel lacks it: the tracer that needs it reports "unavailable"; a kernel >= 5.11 with CONFIG_FTRACE has it'));
    else out.push(warn(`tracepoint ${h.name}`, `not in ${strings ? 'kernel BTF' : 'tracefs'}: ${who} runs without it (older kernel)`));
  }
  return out;
}

/** tracefs is nice to have: bpftrace (npm run bench's comparison) reads it; our tracers do not. */
export function checkTracefs(dirs: readonly string[] = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing']): Check {
  const events = tracefsEvents(dirs);
  return events
    ? ok('tracefs', path.dirname(events))
    : warn('tracefs', `not mounted at ${dirs.join(' or ')}: the tracers do not need it (BTF raw tracepoints); bpftrace in npm run bench does`, `mount -t tracefs nodev ${dirs[0]}`);
}

export function checkPsi(dir = '/proc/pressure'): Check {
  const missing = ['cpu', 'memory', 'io'].filter((r) => {
    try {
      fs.readFileSync(path.join(dir, r), 'utf8');
      return false;
    } catch {
      return true;
    }
  });
  return missing.length === 0
    ? ok('PSI', `${dir}/{cpu,memory,io}`)
    : warn('PSI', `cannot read ${missing.map((r) => `${dir}/${r}`).join(', ')}: pressure signals are off`, 'enable PSI: CONFIG_PSI=y and boot with psi=1');
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/bin').split(':').some((d) => {
    try {
      fs.accessSync(path.join(d, tool), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function checkBuild(tracerDir = TRACER_BIN_DIR, tools: readonly string[] = ['clang', 'bpftool', 'make']): Check[] {
  const binaries = TRACER_ENTRIES.map((e) => e.binary);
  const built = binaries.filter((b) => fs.existsSync(path.join(tracerDir, b)));
  const missingTools = tools.filter((t) => !onPath(t));
  if (!fs.existsSync('/usr/include/bpf/libbpf.h')) missingTools.push('libbpf-dev');
  const all = built.length === binaries.length;
  const out: Check[] = [];
  if (missingTools.length === 0) out.push(ok('toolchain', tools.join(', ') + ', libbpf-dev'));
  else {
    const detail = `missing ${missingTools.join(', ')}`;
    const fix = 'sudo apt-get install -y clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev make';
    out.push(all ? warn('toolchain', `${detail} (tracers are already built)`, fix) : fail('toolchain', detail, fix));
  }
  out.push(all
    ? ok('tracers built', tracerDir)
    : fail('tracers built', `missing ${binaries.filter((b) => !built.includes(b)).join(', ')} in ${tracerDir}`, 'make -C tracers (npm run build)'));
  return out;
}

export function checkComponents(dist = DIST, reaperBin = REAPER_BIN): Check[] {
  const need = (rel: string, name: string): Check =>
    fs.existsSync(path.join(dist, rel)) ? ok(name, `dist/${rel}`) : fail(name, `dist/${rel} missing`, 'npm run build');
  const agent = fs.existsSync(path.join(dist, 'agent', 'main.js'))
    ? ok('agent', 'dist/agent/main.js')
    : warn('agent', 'not installed (dist/agent/main.js missing): npm start runs without it', 'npm run build');
  const reaper = fs.existsSync(reaperBin)
    ? ok('reaper', reaperBin)
    : warn('reaper', `not built (${reaperBin}): a SIGKILLed supervisor leaves its children until the next start`, 'make -C supervisor/reaper');
  return [need('ingest/main.js', 'ingest'), need('scraper/main.js', 'scraper'), agent, reaper];
}

/**
 * mkdir -p one level at a time: Node's recursive mkdirSync spins forever on
 * some pseudo file systems (/proc), and a doctor must not hang.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  let d = path.resolve(dir);
  while (!fs.existsSync(d)) {
    missing.unshift(d);
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const m of missing) fs.mkdirSync(m);
}

/** Really create a file: access() says yes to root even on a read-only mount. */
export function checkWritable(name: string, dir: string): Check {
  try {
    makeDirs(dir);
    const probe = path.join(dir, `.doctor-${process.pid}`);
    fs.writeFileSync(probe, 'x');
    fs.rmSync(probe);
  } catch (err) {
    return fail(name, `${dir} is not writable: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, `use a writable place (--db / --log-dir) or fix permissions: sudo chown -R $USER ${dir}`);
  }
  try {
    const free = fs.statfsSync(dir);
    const mb = (free.bavail * free.bsize) / 1024 / 1024;
    if (mb < 200) return warn(name, `${dir}: only ${mb.toFixed(0)} MiB free`, 'free some disk space (retention keeps the database bounded, but needs room)');
  } catch {
    // statfs unsupported: the write above is the check that matters
  }
  return ok(name, dir);
}

export function checkSqlite(): Check {
  try {
    execFileSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"], { cwd: path.dirname(DIST), stdio: 'pipe' });
    return ok('better-sqlite3');
  } catch {
    return fail('better-sqlite3', 'the native SQLite module does not load', 'npm rebuild better-sqlite3 (needs python3, make, g++)');
  }
}

export function checkNode(version = process.versions.node): Check {
  const major = Number(version.split('.')[0]);
  return major >= 20 ? ok('node', `v${version}`) : fail('node', `v${version}`, 'install Node.js 20 or newer');
}

/** A base URL as shown: without any user:password part a gateway URL might carry. */
function shownUrl(u: string | undefined): string {
  if (!u) return '';
  try { const x = new URL(u); return ` at ${x.origin}${x.pathname.replace(/\/$/, '')}`; } catch { return ' at (an unparsable base URL)'; }
}

/** The configured model provider, model, and where the data goes (nothing when it is local). */
export function checkProvider(env: NodeJS.ProcessEnv = process.env): Check {
  const c = providerFromEnv(env);
  if (c.problem) return warn('model provider', c.problem, `set KS_LLM_PROVIDER to one of ${[...PROVIDER_NAMES, NO_PROVIDER].join(', ')}`);
  if (c.off === 'model provider "none"') return ok('model provider', 'none: the rules decide and chat answers by rules');
  return ok('model provider', `${c.provider}/${c.model}${shownUrl(c.baseUrl)} (observations and tool results go to ${destination(c.provider)})`);
}

export function checkKey(env: NodeJS.ProcessEnv = process.env): Check {
  // Only whether it is set: the key itself is never printed.
  const c = providerFromEnv(env);
  if (c.problem || c.off === 'model provider "none"') return ok('model key', 'none needed');
  if (!c.keyVar) return ok(`${c.provider} key`, 'none needed');
  if (c.apiKey) return ok(c.keyVar, 'set');
  if (c.off === undefined) return ok(c.keyVar, 'not set, none needed with a base URL');
  return warn(c.keyVar, 'not set: the agent decides on rules only', `export ${c.keyVar}=... before npm start${c.keyVar === 'GEMINI_API_KEY' ? ' (or answer the prompt)' : ''}`);
}

/** What to do when the endpoint did not answer, by how it failed. */
function pingFix(c: EnvChoice, message: string): string {
  if (/HTTP 40[13]/.test(message)) return `check ${c.keyVar || 'the key'}: the endpoint refused it`;
  if (/HTTP 404/.test(message)) return `check the model name (KS_LLM_MODEL=${c.model})${c.provider === 'ollama' ? `: ollama pull ${c.model}` : ' and the base URL'}`;
  if (c.provider === 'ollama') return `start Ollama (ollama serve) or point OLLAMA_HOST at it; then ollama pull ${c.model}`;
  return `check the network and ${c.baseUrl ? 'the base URL' : 'that the provider is reachable from this host'}`;
}

/** --ping-model: one tiny request to the configured model (opt-in: it costs a request). */
export async function pingModel(env: NodeJS.ProcessEnv = process.env, timeoutMs = 10_000): Promise<Check> {
  const c = providerFromEnv(env);
  const name = 'model answers';
  if (c.off !== undefined) return warn(name, `not asked: ${c.off}`);
  const t0 = performance.now();
  try {
    const p = await createProvider(providerConfig(c, { timeoutMs, retries: 0 }));
    const turn = await p.generate({ system: 'Reply with the single word OK.', history: [{ role: 'user', text: 'ping' }], tools: [], mode: 'none' });
    return ok(name, `${c.provider}/${c.model} answered in ${Math.round(performance.now() - t0)} ms${turn.text.trim() ? '' : ' (with no text)'}`);
  } catch (e) {
    const msg = toModelError(e, [c.apiKey]).message;
    return warn(name, `${c.provider}/${c.model}${shownUrl(c.baseUrl)} did not answer: ${msg}`, pingFix(c, msg));
  }
}

/**
 * The running system, when a supervisor runs on this database: a component it
 * gave up on is a FAIL with its last error; one that cannot run here a WARN.
 */
export function checkRunning(db: string): Check[] {
  const sup = runningSupervisor(db);
  if (!sup) return [ok('supervisor', `not running on ${db}`)];
  const out: Check[] = [ok('supervisor', `pid ${sup.pid} on ${db}`)];
  for (const c of sup.components) {
    const name = `component ${c.name}`;
    if (c.state === 'failed') out.push(fail(name, describeComponent({ ...c, fix: undefined }), c.fix ?? 'see logs/production/supervisor.log'));
    else if (c.state === 'unavailable' || c.state === 'not-installed' || c.state === 'backoff') out.push(warn(name, describeComponent({ ...c, fix: undefined }), c.fix));
    else out.push(ok(name, describeComponent(c)));
  }
  return out;
}

/** Least privilege (privileges.ts): the user exists, the code is reachable by it, each tracer can run as it. */
export function checkPrivileges(tracerDir = TRACER_BIN_DIR): Check[] {
  if (process.getuid?.() !== 0) return [ok('least privilege', 'not root: every part runs as you')];
  const u = serviceUser();
  if (!u) return [warn('least privilege', 'no kernelsight user: a root npm start runs every part as root', 'npm run setup as root creates it')];
  const why = unreachableBy(u, path.join(DIST, 'start.js'), 4) ?? unreachableBy(u, process.execPath, 1);
  if (why) return [warn('least privilege', `every part runs as root: ${why}`)];
  const out: Check[] = [ok('least privilege', `Node components run as ${u.name} (uid ${u.uid}); only the executor keeps root`)];
  for (const e of TRACER_ENTRIES) {
    const bin = path.join(tracerDir, e.binary);
    if (!fs.existsSync(bin)) continue;
    const blocker = tracerDropBlocker(u, bin);
    // With its capabilities, a tracer anyone may run lets anyone trace every user's processes.
    if (!blocker && (fs.statSync(bin).mode & 0o001) !== 0) {
      out.push(warn(`tracer ${e.name} privileges`, `${bin} carries ${TRACER_CAPS.join(',')} and every user may run it`, `chgrp ${u.name} ${bin} && chmod 0750 ${bin}, then setcap again (npm run setup as root does all three)`));
      continue;
    }
    out.push(blocker ? warn(`tracer ${e.name} privileges`, `runs as root: ${blocker}`) : ok(`tracer ${e.name} privileges`, `as ${u.name} with ${TRACER_CAPS.join(',')}`));
  }
  return out;
}

export function runChecks(o: DoctorOptions): Check[] {
  return [
    checkNode(),
    checkPermission(),
    ...checkPrivileges(o.tracerDir),
    checkBtf(o.btfPath),
    ...checkHooks(o.btfPath, o.tracingDirs),
    checkTracefs(o.tracingDirs),
    checkPsi(o.pressureDir),
    ...checkBuild(o.tracerDir, o.tools),
    ...checkComponents(o.distDir),
    checkSqlite(),
    checkWritable('database dir', path.dirname(o.db)),
    checkWritable('log dir', o.logDir),
    checkProvider(o.env),
    checkKey(o.env),
    ...checkRunning(o.db),
  ];
}

export function formatCheck(c: Check): string {
  const tag = { ok: 'OK  ', warn: 'WARN', fail: 'FAIL' }[c.status];
  return `${tag} ${c.name}${c.detail ? `: ${c.detail}` : ''}${c.fix && c.status !== 'ok' ? ` — ${c.fix}` : ''}`;
}
