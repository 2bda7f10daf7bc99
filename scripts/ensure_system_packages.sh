#!/usr/bin/env bash
# Make sure the tests that drive real programs can run, installing from Debian's packages what is missing (apt-get,
# as root or through sudo; fails loudly if it cannot). Fast when everything is there (a few dpkg look-ups).
#
#   chromium, fonts-noto-cjk   browser tests (without the CJK fonts Chinese renders as boxes)
#   libreoffice-calc           workbooks are converted to PDF by LibreOffice headless (opens without a repair prompt)
#   dovecot-imapd              a real IMAP server on loopback for the official-mailbox poll
set -euo pipefail

CHROMIUM=/usr/bin/chromium
PACKAGES=(chromium fonts-noto-cjk libreoffice-calc dovecot-imapd)
missing=()
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

for pkg in "${PACKAGES[@]}"; do
  if ! installed "$pkg"; then
    missing+=("$pkg")
  fi
done
if [[ ! -x "$CHROMIUM" ]] && [[ ! " ${missing[*]} " =~ " chromium " ]]; then
  missing+=(chromium)
fi

if ((${#missing[@]} == 0)); then
  echo "system packages: ${PACKAGES[*]} present"
  exit 0
fi

echo "system packages: installing ${missing[*]} with apt-get (the tests need them)"
if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "system packages: ERROR: ${missing[*]} missing and I am neither root nor allowed to sudo without a password." >&2
  echo "system packages: run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "system packages: ERROR: ${missing[*]} missing and this is not a Debian/Ubuntu system (no apt-get)." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Installing dovecot must not start a system-wide server on ports 143/993: the tests start their own on loopback.
policy_added=""
if [[ ! -e /usr/sbin/policy-rc.d ]] && [[ " ${missing[*]} " =~ " dovecot-imapd " ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${as_root[@]}" chmod +x /usr/sbin/policy-rc.d
  policy_added=1
fi
status=0
if ! "${as_root[@]}" apt-get update -qq || ! "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  status=1
fi
if [[ -n "$policy_added" ]]; then
  "${as_root[@]}" rm -f /usr/sbin/policy-rc.d
fi
if ((status != 0)); then
  echo "system packages: ERROR: apt-get could not install ${missing[*]}." >&2
  exit 1
fi
for pkg in "${PACKAGES[@]}"; do
  if ! installed "$pkg"; then
    echo "system packages: ERROR: after apt-get, $pkg is still missing." >&2
    exit 1
  fi
done
echo "system packages: installed ${missing[*]}; $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
