#!/bin/sh
# deps.sh — checks the build dependencies and installs the missing Debian
# packages with apt-get. Idempotent and quiet when everything is present.
# Usage: scripts/deps.sh [--check] [--bench]
#   --check: report only, exit 1 if missing
#   --bench: also the tools `make bench` compares against (nginx, wrk, sqlite3)
set -eu

missing=""
want() { # want PACKAGE: mark a Debian package as needed
  case " $missing " in *" $1 "*) ;; *) missing="$missing $1" ;; esac
}
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pc() { have_cmd pkg-config && pkg-config --exists "$1"; }

have_cmd cc || want gcc
have_cmd make || want make
have_cmd cmake || want cmake
have_cmd pkg-config || want pkg-config
have_pc lua5.4 || want liblua5.4-dev
have_pc libuv || want libuv1-dev
have_pc sqlite3 || want libsqlite3-dev
have_pc libcurl || want libcurl4-openssl-dev
have_pc jansson || want libjansson-dev
have_pc libmicrohttpd || want libmicrohttpd-dev
have_pc libcrypto || want libssl-dev
have_pc cmocka || want libcmocka-dev
[ -f /usr/include/csv.h ] || want libcsv-dev
[ -d /usr/share/zoneinfo/Asia ] || want tzdata
# tests/sim/test-report.c renders report.html in headless Chromium
have_cmd chromium || want chromium
for arg in "$@"; do
  if [ "$arg" = --bench ]; then
    have_cmd wrk || want wrk
    [ -x /usr/sbin/nginx ] || want nginx-light
    have_cmd sqlite3 || want sqlite3
  fi
done

if [ -z "$missing" ]; then
  exit 0
fi
echo "deps: missing Debian packages:$missing" >&2
case " $* " in *" --check "*) exit 1 ;; esac
if ! have_cmd apt-get; then
  echo "deps: no apt-get here; install the packages above by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if have_cmd sudo; then SUDO=sudo; else
    echo "deps: not root and no sudo; run as root: apt-get install$missing" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
$SUDO apt-get install -y -qq --no-install-recommends $missing
