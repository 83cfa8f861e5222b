# Shared environment for Homeostat's scripts; source it, do not run it.
# It only sets variables: nothing here installs or starts anything.

HOMEOSTAT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export HOMEOSTAT_ROOT

# Pinned versions, read from package.json so that there is one place to
# change them. The engine is built at exactly the version of the pinned
# @pulumi/pulumi SDK (the engine must be at least the SDK's version).
pkg_field() { node -p "const p=require('$HOMEOSTAT_ROOT/package.json'); $1"; }
PULUMI_VERSION="v$(pkg_field "p.dependencies['@pulumi/pulumi']")"
MOTO_VERSION="$(pkg_field "p.homeostat.motoVersion")"
export PULUMI_VERSION MOTO_VERSION
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
