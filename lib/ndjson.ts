// Reading recorded NDJSON (a tracer's or the scraper's output saved to a file)
// with the `ndjson` package: one parsed object per line, a line that is not JSON
// is an error naming it. Live input does not come through here: ingest reads its
// stdin with lib/line-splitter.ts, which caps line length and checks UTF-8 per
// line, and measured faster (npm run bench).
import fs from 'node:fs';
import ndjson from 'ndjson';

export async function readNdjsonFile(file: string): Promise<unknown[]> {
  const out: unknown[] = [];
  const parser = fs.createReadStream(file).pipe(ndjson.parse({ strict: true }));
  let line = 0;
  try {
    for await (const obj of parser) { line++; out.push(obj); }
  } catch (e) {
    throw new Error(`${file}: line ${line + 1} is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return out;
}
