// What a question is about, by keywords. Several intents may match ("why is the
// disk slow" is both slow and disk); the answer has a section for each, in this order.
export type Intent = 'overview' | 'slow' | 'cpu' | 'memory' | 'disk' | 'network' | 'processes' | 'trend' | 'agent' | 'logs' | 'config';

const PATTERNS: ReadonlyArray<readonly [Intent, RegExp]> = [
  ['overview', /\b(wrong|status|health|healthy|problem|problems|issue|issues|ok|okay|fine|broken|going on|happening|overview|summary|alert|alerts|signals?)\b/],
  ['slow', /\b(slow|slowly|sluggish|lag|laggy|latency|hang|hanging|hung|stall|stalls|stalling|unresponsive|freez\w*|responsive)\b/],
  ['cpu', /\b(cpu|cpus|processor|load|busy|cores?|run ?queue|scheduler)\b/],
  ['memory', /\b(mem|memory|ram|swap|swapping|oom|out of memory|page ?faults?|rss)\b/],
  ['disk', /\b(disk|disks|i\/o|io|iops|storage|space|filesystems?|mounts?|block|nvme|sda|vda|full|await)\b/],
  ['network', /\b(net|network|networking|tcp|udp|connections?|sockets?|packets?|retransmits?|retrans|interface|nic|eth\d*|bandwidth|time_?wait)\b/],
  ['processes', /\b(process|processes|top|hog|hogs|who|which program|pid)\b/],
  ['trend', /\b(trend|trends|predict|prediction|forecast|projection|going to|will it|heading|later|soon)\b/],
  ['agent', /\b(agent|actions?|did you|have you|what did|changed?|changes|fix|fixed|approv\w*|pending|undo|audit|renice\w*)\b/],
  ['logs', /\b(log|logs|dmesg|journal|kernel messages?|errors?|warnings?)\b/],
  ['config', /\b(sysctl|config|configuration|settings?|tuning|tune|tunables?|swappiness|somaxconn|best practice)\b/],
];

export function detectIntents(question: string): Intent[] {
  const q = question.toLowerCase();
  const found = PATTERNS.filter(([, re]) => re.test(q)).map(([i]) => i);
  // "errors" alone is about logs; "network errors" is about the network.
  if (found.includes('logs') && !/\b(log|logs|dmesg|journal|kernel)\b/.test(q) && found.length > 1) found.splice(found.indexOf('logs'), 1);
  // Slow questions carry their own summary of signals; the overview would repeat it.
  if (found.includes('slow') && found.includes('overview')) found.splice(found.indexOf('overview'), 1);
  return found;
}
