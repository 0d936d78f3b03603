// "Is the configuration sane?": sysctl settings against recommended ranges.
import { escapeUntrusted } from '../../../lib/sanitize.js';
import { checkSysctls } from '../../tools/sysctl-check.js';
import type { RulesContext } from '../context.js';

export async function config(_ctx: RulesContext): Promise<string[]> {
  const all = checkSysctls();
  const off = all.filter((s) => s.status === 'outside_recommended');
  const out = [off.length === 0
    ? `All ${all.filter((s) => s.status === 'ok').length} kernel settings checked are within the recommended ranges.`
    : `${off.length} of ${all.length} kernel settings checked are outside the recommended ranges:`];
  for (const s of off) out.push(`  ${s.key} = ${escapeUntrusted(s.value ?? '', 40)} (recommended ${s.recommended}): ${s.why}.`);
  const ok = all.filter((s) => s.status === 'ok');
  if (ok.length) out.push(`Within range: ${ok.map((s) => `${s.key}=${escapeUntrusted(s.value ?? '', 20)}`).join(', ')}.`);
  return out;
}
