#!/usr/bin/env bash
# Runs a command with Homeostat's environment (scripts/lib/env.sh): Node.js 22
# or newer first on PATH (the cached one on a machine whose own is older), the
# engine and moto found. The npm scripts go through it, so that
# `npm run bench:…` runs on the same Node.js as `npm start` and `npm test`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib/env.sh"
exec "$@"
