#!/usr/bin/env bash
# `npm start [-- options]`: set-up, then the sandbox (the whole loop on this
# machine). Options go to `homeostat sandbox`; see `npm start -- --help`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/setup.sh"
source "$here/lib/env.sh"
cd "$HOMEOSTAT_ROOT"
exec npx tsx orchestrator/cli/main.ts sandbox "$@"
