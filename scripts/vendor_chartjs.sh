#!/usr/bin/env bash
# Vendor Chart.js from the npm registry into the desk's static files (no CDN at run time).
# Re-run with another VERSION to update; the checksum guards against a changed package.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${VERSION:-4.6.2}
SHA256=${SHA256:-3f288f4f26882c26b58931fb586a9b4f30370b5de38d69dc005b0bd05b08e113}
DEST=src/tactful/desk/static/vendor/chartjs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "chart.js@${VERSION}" >/dev/null && tar xzf "chart.js-${VERSION}.tgz")
echo "${SHA256}  ${work}/package/dist/chart.umd.min.js" | sha256sum -c --quiet
mkdir -p "$DEST"
cp "$work/package/dist/chart.umd.min.js" "$DEST/chart.umd.min.js"
cp "$work/package/LICENSE.md" "$DEST/LICENSE.md"
echo "Chart.js ${VERSION} → ${DEST}"
