#!/usr/bin/env bash
# Debian packages the workbench needs beyond Python: PDF rendering (WeasyPrint's Pango), reading PDFs back
# (poppler-utils: pdftotext, pdftoppm) and a browser for the end-to-end tests (Debian's chromium; no browser
# is ever downloaded). Installs only what is missing; needs root (CI runs as root) or prints what to install.
set -euo pipefail
PACKAGES=(
  chromium
  poppler-utils
  libpango-1.0-0
  libpangoft2-1.0-0
  libharfbuzz-subset0
  fonts-dejavu-core
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
