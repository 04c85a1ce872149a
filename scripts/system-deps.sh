#!/usr/bin/env bash
# Installs the Debian packages synthtrace needs, only when they are missing.
#   libmagic1  - content typing (python-magic)
#   chromium   - browser tests (Playwright drives Debian's Chromium; its own download is not used)
# Usage: scripts/system-deps.sh [runtime|test]
set -euo pipefail
want=(libmagic1)
[ "${1:-runtime}" = "test" ] && want+=(chromium fonts-dejavu-core)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
