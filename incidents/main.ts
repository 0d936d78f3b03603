// `npm run incidents`: what happened on this host, grouped. Lists the incidents
// in a window (default: the signals' retention, 7 days); --show ID prints one
// incident's story (what happened, why, what was done, did it help) and its
// minute-by-minute timeline, every number cited to its row. Read-only.
//   npm run incidents -- --since 6h
//   npm run incidents -- --show I12 [--json]
import { cli, withWindow } from '../lib/config.js';
import { openDatabase, type Db } from '../lib/db.js';
import { incidentById, listIncidents } from '../lib/read-model/incidents.js';
import { incidentTimeline } from '../lib/read-model/timeline.js';
import { describeWindow, windowFromFlags } from '../lib/time-window.js';
import { incidentList, incidentStory, timelineText } from './format.js';

const argv = withWindow(cli('incidents', 'Usage: $0 [--since 6h] [--until now] [--show ID] [--json]\n\nIncidents: signals that overlap in time and share a resource or a process, grouped.'))
  .option('show', { type: 'string', describe: 'one incident (I12, or 12) with its timeline' })
  .option('json', { type: 'boolean', default: false, describe: 'print JSON (the read model\'s structures)' })
  .parseSync();

const out = (s: string) => process.stdout.write(`${s}\n`);
let db: Db;
try {
  db = openDatabase(argv.db, { readonly: true });
} catch (e) {
  process.stderr.write(`incidents: cannot open ${argv.db}: ${(e as Error).message}\n`);
  process.exit(1);
}
const now = Date.now() / 1000;
let code = 0;
if (argv.show !== undefined) {
  const d = incidentById(db, argv.show, now);
  if (!d) { out(`no incident ${argv.show} (npm run incidents lists them)`); code = 1; }
  else {
    const t = d.incident.stored ? { minutes: [], truncated: false } : incidentTimeline(db, d);
    if (argv.json) out(JSON.stringify({ ...d, timeline: t.minutes }, null, 2));
    else out([incidentStory(d), ...(t.minutes.length ? ['', timelineText(t.minutes, t.truncated)] : [])].join('\n'));
  }
} else {
  const w = windowFromFlags(argv.since, argv.until, now) ?? { fromS: now - 7 * 86400, toS: now, source: 'the last 7 days' };
  const list = listIncidents(db, w, now);
  out(argv.json ? JSON.stringify({ window: w, incidents: list }, null, 2) : incidentList(list, describeWindow(w)));
}
db.close();
process.exit(code);
