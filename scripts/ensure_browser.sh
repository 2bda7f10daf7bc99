#!/usr/bin/env bash
# Make sure the browser tests can run: Debian's chromium at /usr/bin/chromium and CJK fonts (without them Chinese
# renders as boxes). Installs what is missing with apt-get, as root or through sudo; fails loudly if it cannot.
# Fast when both are there (two dpkg look-ups).
set -euo pipefail

CHROMIUM=/usr/bin/chromium
missing=()
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

if [[ ! -x "$CHROMIUM" ]]; then
  missing+=(chromium)
fi
if ! installed fonts-noto-cjk; then
  missing+=(fonts-noto-cjk)
fi

if ((${#missing[@]} == 0)); then
  echo "browser: $CHROMIUM and fonts-noto-cjk present"
  exit 0
fi

echo "browser: installing ${missing[*]} with apt-get (browser tests need them)"
if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "browser: ERROR: ${missing[*]} missing and I am neither root nor allowed to sudo without a password." >&2
  echo "browser: run: sudo apt-get update && sudo apt-get install -y chromium fonts-noto-cjk" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "browser: ERROR: ${missing[*]} missing and this is not a Debian/Ubuntu system (no apt-get)." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get update -qq || ! "${as_root[@]}" apt-get install -y -qq "${missing[@]}"; then
  echo "browser: ERROR: apt-get could not install ${missing[*]}." >&2
  exit 1
fi
if [[ ! -x "$CHROMIUM" ]] || ! installed fonts-noto-cjk; then
  echo "browser: ERROR: after apt-get, $CHROMIUM or fonts-noto-cjk is still missing." >&2
  exit 1
fi
echo "browser: installed; $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
