#!/usr/bin/env bash
# One-shot, idempotent setup run before every npm entry point (prestart, pretest, ...).
# It must be cheap when everything is already in place (< 2 s), so each step first
# checks whether it has anything to do.
#   --force-build   rebuild TypeScript and tracers even when they look current
#   --quiet         print only when something is done or wrong
#   --test          also the servers the tests run for real (Prometheus, Alertmanager)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FORCE=0
TEST=0
for arg in "$@"; do
  case "$arg" in
    --force-build) FORCE=1 ;;
    --test) TEST=1 ;;
  esac
done

say() { echo "[setup] $*" >&2; }
die() { echo "[setup] ERROR: $*" >&2; exit 1; }

# --- 1. Debian packages ---------------------------------------------------------
# Toolchain for the C/libbpf tracers plus workloads used by tests and the benchmark.
DEB_PKGS=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev make pkg-config gcc g++ python3 stress-ng bpftrace sqlite3 procps util-linux libcap2-bin)
# The fleet engines the export tests talk to (`npm start` itself needs neither).
((TEST)) && DEB_PKGS+=(prometheus prometheus-alertmanager chromium)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  installed="$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${DEB_PKGS[@]}" 2>/dev/null || true)"
  for p in "${DEB_PKGS[@]}"; do
    grep -qx "$p installed" <<<"$installed" || missing+=("$p")
  done
fi
if ((${#missing[@]})); then
  if [[ $EUID -eq 0 ]]; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # A busy machine may be running apt already (unattended-upgrades, another
    # setup): wait for its locks rather than fail, or install from stale lists.
    # (DPkg::Lock::Timeout covers dpkg's lock; `update` takes the lists lock,
    # which it does not wait for, hence the retries.)
    APT=(apt-get -o DPkg::Lock::Timeout=600)
    apt_update() {
      local out i
      for ((i = 0; i < 120; i++)); do
        out="$("${APT[@]}" update -qq 2>&1)" && return 0
        grep -q 'Could not get lock' <<<"$out" || { printf '%s\n' "$out" >&2; return 1; }
        ((i % 12)) || say "apt is busy (another apt-get holds its lock); waiting"
        sleep 5
      done
      return 1
    }
    apt_update || say "apt-get update failed; trying the install anyway"
    "${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}" >&2 \
      || die "apt-get install failed for: ${missing[*]}"
  else
    die "missing Debian packages: ${missing[*]}
  run as root:  sudo apt-get install -y ${missing[*]}"
  fi
fi

# --- 2. npm dependencies --------------------------------------------------------
# node_modules/.package-lock.json is written by npm after every successful install;
# if package.json or the lockfile is newer, dependencies may have changed.
stamp=node_modules/.package-lock.json
if [[ ! -f $stamp || package.json -nt $stamp || ( -f package-lock.json && package-lock.json -nt $stamp ) ]]; then
  say "installing npm dependencies"
  npm install --no-audit --no-fund >&2 || die "npm install failed"
  touch "$stamp"
fi
# better-sqlite3 is a native addon; on a machine without its prebuilt binary the
# install script must compile it. Verify it really loads, rebuild once if not.
if [[ ! -f node_modules/better-sqlite3/build/Release/better_sqlite3.node ]]; then
  say "building better-sqlite3 from source"
  npm rebuild better-sqlite3 --foreground-scripts >&2 || die "better-sqlite3 build failed: needs python3, make, g++ (apt-get install -y python3 make g++)"
fi

# --- 3. TypeScript --------------------------------------------------------------
# The same rule as tsconfig.json's "include": every .ts outside node_modules and
# dist, wherever it lives (a new top-level folder cannot leave stale JavaScript).
newest_src="$(find . \( -path ./node_modules -o -path ./dist -o -path ./.git \) -prune -o \
  \( -name '*.ts' -o -name 'tsconfig.json' \) -newer dist/.build-stamp -print -quit 2>/dev/null || true)"
if ((FORCE)) || [[ ! -f dist/.build-stamp || -n $newest_src ]]; then
  say "compiling TypeScript"
  node_modules/.bin/tsc -p tsconfig.json >&2 || die "TypeScript compilation failed"
  # JavaScript whose source was moved or deleted would still run (npm test finds
  # dist/test/**/*.test.js): remove it.
  find dist -name '*.js' -print 2>/dev/null | while read -r js; do
    src="${js#dist/}"; src="${src%.js}.ts"
    [[ -f $src ]] || rm -f "$js" "$js.map"
  done
  touch dist/.build-stamp
fi

# --- 4. C: the eBPF tracers, the supervisor's reaper -----------------------------
# build_c DIR WHAT HINT: make is itself incremental; -q tells us cheaply whether
# anything is stale. --force-build cleans first.
build_c() {
  local dir=$1 what=$2 hint=$3
  if ((FORCE)); then make -s -C "$dir" clean >&2 || true; fi
  if ! make -q -s -C "$dir" >/dev/null 2>&1; then
    say "building $what"
    make -s -C "$dir" -j"$(nproc)" >&2 || die "$what build failed (see above); $hint"
  fi
}
build_c tracers "eBPF tracers" "'npm run doctor' checks the toolchain"
build_c supervisor/reaper "the supervisor's reaper" "needs a C compiler (apt-get install -y gcc make)"

# --- 5. Least privilege (as root): the kernelsight user, the tracers' capabilities --
# npm start as root runs every part but the executor as this user
# (supervisor/privileges.ts). A build relinks the tracers, which drops their file
# capabilities, so they are set again whenever they are missing.
if [[ $EUID -eq 0 ]]; then
  if ! getent passwd kernelsight >/dev/null; then
    say "creating the kernelsight system user and group"
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin kernelsight \
      || say "useradd failed: every component will run as root"
  fi
  # The data and log directories the units use: root:kernelsight 1770, so the
  # unprivileged supervisor (deploy/kernelsight.service) creates its files there
  # and the sticky bit keeps root's (audit key, policy) out of its reach.
  if getent passwd kernelsight >/dev/null; then
    for d in data logs/production; do
      if [[ ! -e $d || $(stat -c %u "$d") == 0 ]]; then install -d -o root -g kernelsight -m 1770 "$d"; fi
    done
  fi
  # Only root and the kernelsight group may run them (root:kernelsight 0750):
  # with their capabilities, anyone else could trace every user's syscalls.
  # chgrp clears file capabilities, so the capabilities are set last.
  for bin in tracers/build/*_tracer; do
    [[ -x $bin ]] || continue
    getent group kernelsight >/dev/null || break
    if [[ $(stat -c '%G %a' "$bin") != "kernelsight 750" ]]; then chgrp kernelsight "$bin" && chmod 0750 "$bin"; fi
    caps="$(getcap "$bin" 2>/dev/null || true)"
    if [[ $caps != *cap_bpf* || $caps != *cap_perfmon* ]]; then
      setcap cap_bpf,cap_perfmon+ep "$bin" \
        || say "setcap failed on $bin (a nosuid or xattr-less file system?): it will run as root; 'npm run doctor' says why"
    fi
  done
fi
