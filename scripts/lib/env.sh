# Shared environment for Homeostat's scripts; source it, do not run it.
# It only sets variables: nothing here installs or starts anything.

# Pinned versions. @pulumi/pulumi 3.248.0 is the last release whose `engines`
# accepts Node.js 20, and the engine must be at least the SDK's version, so
# both are 3.248.0 (package.json pins the SDK to the same).
export PULUMI_VERSION="v3.248.0"
export MOTO_VERSION="5.1.22"

HOMEOSTAT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export HOMEOSTAT_ROOT
export HOMEOSTAT_CACHE="${HOMEOSTAT_CACHE:-$HOME/.cache/homeostat}"

# HOMEOSTAT_PULUMI_DIR names a folder holding `pulumi` and
# `pulumi-language-nodejs` of the pinned version; by default, our cached build.
if [ -n "${HOMEOSTAT_PULUMI_DIR:-}" ]; then
  export HOMEOSTAT_PULUMI_DIR_OVERRIDE=1
else
  export HOMEOSTAT_PULUMI_DIR="$HOMEOSTAT_CACHE/pulumi/$PULUMI_VERSION/bin"
fi
export HOMEOSTAT_MOTO_VENV="$HOMEOSTAT_CACHE/moto-$MOTO_VERSION"

# The engine finds its language host and the dynamic-provider launcher that
# ships with @pulumi/pulumi on PATH; nothing may reach Pulumi Cloud.
export PATH="$HOMEOSTAT_PULUMI_DIR:$HOMEOSTAT_ROOT/node_modules/@pulumi/pulumi:$HOMEOSTAT_MOTO_VENV/bin:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=false
