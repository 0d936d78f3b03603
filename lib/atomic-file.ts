// Replace a file so a reader sees the old content or the new, never half of it:
// write a temp file beside it (same filesystem), fsync, rename over. The mode is
// set on the open descriptor, so it holds whatever the umask or an old temp file.
import fs from 'node:fs';

export function writeFileAtomic(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  // A leftover (or planted) temp of that name is removed, never followed: the new
  // one is created exclusively and not through a symlink.
  fs.rmSync(tmp, { force: true });
  try {
    const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
    const fd = fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
    try {
      fs.fchmodSync(fd, mode);
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
