#!/usr/bin/env bash
# A private, unlocked Secret Service (gnome-keyring) for one test.
#
# Usage (the test keeps this process's stdin open and writes nothing to it):
#
#   dbus-run-session -- tests/support/keyring-session.sh
#
# Prints exactly one line on stdout once org.freedesktop.secrets is owned on the bus:
#
#   DBUS_SESSION_BUS_ADDRESS=<address of the private bus>
#
# then blocks until its stdin reaches EOF, stops the daemon and exits (dbus-run-session then
# tears the bus down). Point clients at the keyring with that DBUS_SESSION_BUS_ADDRESS.
# Diagnostics go to stderr. Exit status: 0 after a clean stop; 1 when the daemon could not be
# brought up (nothing is printed on stdout then).
#
# Environment:
#   TOK_TEST_KEYRING_PASSWORD  login keyring password (default "test")
#   TOK_TEST_KEYRING_HOME      HOME for the daemon (default: a fresh temp dir, removed at the
#                              end; a given dir is kept). Never point it at a real home.
#   TOK_TEST_KEYRING_LOCKED=1  fault injection: leave the login keyring LOCKED. The script
#                              first creates the login keyring with the password, stops that
#                              daemon, then starts the real one with a wrong unlock password.
#                              Observed (gnome-keyring 42.1, Debian 12): the daemon starts and
#                              owns org.freedesktop.secrets; the "login" collection exists but
#                              is locked; `secret-tool lookup` prints nothing and exits 1;
#                              `secret-tool store` fails fast with "Cannot create an item in a
#                              locked collection" (exit 1): there is no prompter on the private
#                              bus, so nothing waits for a password. (Starting without --unlock
#                              on a fresh HOME instead leaves no login keyring at all and
#                              `store` fails asking for a prompt: less realistic.)
#
# Why it is done this way (see shared/PROTOCOLS.md, "Real keychains on headless Linux"):
#   - the daemon is our own foreground child, password on its stdin: the daemonising form
#     (--daemonize / --start) leaks daemons past the bus;
#   - we wait for the bus name before announcing the address: a client call before that
#     makes D-Bus activate a second daemon (from org.freedesktop.secrets.service), which has
#     no password and a locked keyring;
#   - HOME/XDG_* point at a temp dir so a real keyring is never touched.

set -euo pipefail

log() { printf 'keyring-session: %s\n' "$*" >&2; }

if [[ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]]; then
  log "DBUS_SESSION_BUS_ADDRESS is not set: run me under dbus-run-session"
  exit 1
fi
for tool in gnome-keyring-daemon dbus-send; do
  if ! command -v "$tool" >/dev/null; then
    log "$tool not found (apt-get install gnome-keyring dbus libsecret-tools)"
    exit 1
  fi
done

password="${TOK_TEST_KEYRING_PASSWORD-test}"
locked="${TOK_TEST_KEYRING_LOCKED:-0}"

if [[ -n "${TOK_TEST_KEYRING_HOME:-}" ]]; then
  home="$TOK_TEST_KEYRING_HOME"
  own_home=0
  mkdir -p "$home"
else
  home="$(mktemp -d "${TMPDIR:-/tmp}/tok-keyring.XXXXXX")"
  own_home=1
fi
export HOME="$home"
export XDG_DATA_HOME="$home/.local/share"
export XDG_CONFIG_HOME="$home/.config"
export XDG_CACHE_HOME="$home/.cache"
export XDG_RUNTIME_DIR="$home/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$home" "$XDG_RUNTIME_DIR"
# gnome-keyring would otherwise try to reach a real desktop session's agents
unset GNOME_KEYRING_CONTROL SSH_AUTH_SOCK DISPLAY WAYLAND_DISPLAY

# A locked keyring makes the daemon ask the bus to activate gcr's system prompter. The bus
# activates services with the environment dbus-run-session had, so under Xvfb (DISPLAY set)
# a prompt window would wait for a user forever. Make the prompter fail fast instead.
dbus-send --session --type=method_call --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.UpdateActivationEnvironment \
  dict:string:string:DISPLAY,none,WAYLAND_DISPLAY,none 2>/dev/null \
  || log "could not clear DISPLAY in the bus activation environment (continuing)"

daemon_pid=""

stop_daemon() {
  if [[ -n "$daemon_pid" ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$daemon_pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  daemon_pid=""
}

cat_pid=""

cleanup() {
  if [[ -n "$cat_pid" ]]; then
    kill "$cat_pid" 2>/dev/null || true
  fi
  stop_daemon
  if [[ "$own_home" == 1 ]]; then
    rm -rf -- "$home"
  fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

secrets_owned() {
  dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true
}

# start_daemon PASSWORD: gnome-keyring-daemon as our foreground child, password on stdin,
# then wait (bounded, ~5 s) until it owns org.freedesktop.secrets.
start_daemon() {
  # The password goes through a pipe (never argv or env of the daemon). The daemon reads
  # stdin to EOF; --unlock creates the login keyring from it when HOME has none.
  gnome-keyring-daemon --foreground --unlock --components=secrets \
    < <(printf '%s' "$1") >/dev/null 2> >(sed 's/^/gnome-keyring-daemon: /' >&2) &
  daemon_pid=$!
  for _ in $(seq 100); do
    if secrets_owned; then
      return 0
    fi
    if ! kill -0 "$daemon_pid" 2>/dev/null; then
      log "gnome-keyring-daemon exited early"
      daemon_pid=""
      return 1
    fi
    sleep 0.05
  done
  log "timed out waiting for org.freedesktop.secrets on the bus"
  return 1
}

wait_released() {
  for _ in $(seq 100); do
    secrets_owned || return 0
    sleep 0.05
  done
  log "org.freedesktop.secrets still owned after stopping the daemon"
  return 1
}

if [[ "$locked" == 1 ]]; then
  # Create the login keyring with the real password, then restart with a wrong one.
  start_daemon "$password" || exit 1
  # the login keyring file is written lazily; wait for it (bounded)
  for _ in $(seq 100); do
    [[ -f "$XDG_DATA_HOME/keyrings/login.keyring" ]] && break
    sleep 0.05
  done
  if [[ ! -f "$XDG_DATA_HOME/keyrings/login.keyring" ]]; then
    log "login keyring was not created"
    exit 1
  fi
  stop_daemon
  wait_released || exit 1
  start_daemon "wrong-${password}-$$" || exit 1
else
  start_daemon "$password" || exit 1
fi

printf 'DBUS_SESSION_BUS_ADDRESS=%s\n' "$DBUS_SESSION_BUS_ADDRESS"

# Block until the test closes our stdin (or it was never open: /dev/null ends at once).
# `cat` runs in the background so that SIGTERM/SIGINT interrupt `wait` and run the cleanup.
cat <&0 >/dev/null &  # explicit <&0: a background job would get /dev/null
cat_pid=$!
wait "$cat_pid" || true
cat_pid=""
exit 0
