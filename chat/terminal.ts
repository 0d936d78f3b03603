// Everything chat prints passes through here: whatever a model wrote, or a
// string slipped past a tool, cannot move the cursor, recolour the terminal or
// reorder text (ANSI and bidi controls are shown as \uXXXX). Newlines and tabs stay.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(s: string): string {
  return s.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
