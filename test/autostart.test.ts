// One shared daemon per user, from the Node side: the Activity tracker behind `hamd serve
// --idle-exit`, the start lock (server/cli/start-lock.ts), the idle exit itself, and several CLI
// runs starting the daemon at once (only one is spawned).
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { Activity } from '../server/daemon/activity';
import { acquireStartLock } from '../server/cli/start-lock';
import { idleExitSeconds } from '../server/cli/autostart';
import { runCliAsync, spawnDaemon, tempDir } from './helpers/daemon';

const fixture = (name: string) => path.join(__dirname, 'fixtures', name);
const hyperFlags = ['--cutoff', '3', '--max-radial', '2', '--max-angular', '2'];

t.test('Activity: idle time counts from the end of the last call, and is 0 while any is active', async (t) => {
  let now = 1000;
  const activity = new Activity(() => now);
  now = 1500;
  t.equal(activity.idleForMs(), 500, 'idle since creation');
  const endA = activity.begin();
  const endB = activity.begin();
  now = 5000;
  t.equal(activity.idleForMs(), 0);
  endA();
  endA(); // idempotent: must not end B's count
  t.equal(activity.inFlight, 1);
  t.equal(activity.idleForMs(), 0, 'still active while a stream is open');
  now = 6000;
  endB();
  now = 6250;
  t.equal(activity.idleForMs(), 250);

  const real = new Activity();
  const end = real.begin();
  let fired = false;
  real.whenIdleFor(50, () => { fired = true; });
  await new Promise((resolve) => setTimeout(resolve, 150));
  t.notOk(fired, 'not idle while a call is in flight');
  end();
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.ok(fired, 'fires once idle for the period');
});

t.test('start lock: one holder at a time; a dead holder\'s lock is broken', async (t) => {
  const dir = tempDir();
  const file = path.join(dir, 'hamd.sock.lock');
  const first = await acquireStartLock(file, 1000);
  t.equal(fs.readFileSync(file, 'utf8').trim(), String(process.pid));
  let waitedFor: number | undefined;
  await t.rejects(acquireStartLock(file, 200, (pid) => { waitedFor = pid; }), /another client \(pid \d+\) has been starting the hamd daemon/);
  t.equal(waitedFor, process.pid, 'reports the holder it waits for');
  const second = acquireStartLock(file, 5000);
  setTimeout(() => first.release(), 100);
  (await second).release();
  t.notOk(fs.existsSync(file), 'released');

  fs.writeFileSync(file, '999999999\n'); // no such process
  const taken = await acquireStartLock(file, 1000);
  t.equal(fs.readFileSync(file, 'utf8').trim(), String(process.pid), 'stale lock replaced');
  taken.release();
  t.same(fs.readdirSync(dir), [], 'nothing left behind');
  fs.rmSync(dir, { recursive: true, force: true });
});

t.test('idle exit setting: option, else $HAMD_IDLE_EXIT, else 900 s', async (t) => {
  t.equal(idleExitSeconds({ autostart: true }, {}), 900);
  t.equal(idleExitSeconds({ autostart: true }, { HAMD_IDLE_EXIT: '0' }), 0);
  t.equal(idleExitSeconds({ autostart: true, idleExitS: 5 }, { HAMD_IDLE_EXIT: '0' }), 5);
  t.throws(() => idleExitSeconds({ autostart: true }, { HAMD_IDLE_EXIT: 'x' }), /HAMD_IDLE_EXIT="x"/);
  const bad = await runCliAsync(['serve', '--idle-exit', '0']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--idle-exit must be a number of seconds > 0/);
});

t.test('hamd serve --idle-exit: exits 0 once idle; never without the option', async (t) => {
  const dir = tempDir();
  const idle = await spawnDaemon(`unix:${path.join(dir, 'idle.sock')}`, ['--threads', '1', '--idle-exit', '0.5']);
  const exit = await idle.exited;
  t.equal(exit.code, 0, 'exit code 0');
  const events = idle.logs.map((l) => l.event);
  t.ok(events.indexOf('idle') >= 0 && events.indexOf('idle') < events.indexOf('stopped'), events.join(', '));
  t.notOk(fs.existsSync(path.join(dir, 'idle.sock')), 'socket removed');

  const kept = await spawnDaemon(`unix:${path.join(dir, 'kept.sock')}`, ['--threads', '1']);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  t.equal(kept.child.exitCode, null, 'a daemon without --idle-exit keeps running');
  t.equal((await kept.stop()).code, 0);
  fs.rmSync(dir, { recursive: true, force: true });
});

t.test('several CLI runs at once on a fresh socket start one daemon', async (t) => {
  const runtime = tempDir('hamd-rt-');
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: runtime, HAMD_IDLE_EXIT: '30' };
  delete env.HAMD_ADDRESS;
  const hamdDir = path.join(runtime, 'hamd');
  t.teardown(() => {
    try { process.kill(Number(fs.readFileSync(path.join(hamdDir, 'hamd.pid'), 'utf8')), 'SIGTERM'); } catch { /* gone */ }
    fs.rmSync(runtime, { recursive: true, force: true });
  });
  const runs = await Promise.all([0, 1, 2, 3].map((i) => runCliAsync(
    ['descriptors', fixture('molecules.xyz'), '--kind', 'power-spectrum', ...hyperFlags, '-o', path.join(runtime, `out${i}.npz`)], env)));
  for (const run of runs) t.equal(run.code, 0, run.stderr);
  t.equal(runs.filter((r) => /started hamd daemon/.test(r.stderr)).length, 1, 'one run started the daemon');
  const log = fs.readFileSync(path.join(hamdDir, 'hamd.log'), 'utf8').trim().split('\n').flatMap((l) => {
    try { return [JSON.parse(l)]; } catch { return []; }
  });
  t.equal(log.filter((l) => l.event === 'start').length, 1, 'one daemon process started');
  t.match(log.find((l) => l.event === 'idle-exit'), { after_s: 30 }, 'started with the idle exit of $HAMD_IDLE_EXIT');
  t.notOk(fs.existsSync(path.join(hamdDir, 'hamd.sock.lock')), 'start lock released');
});
