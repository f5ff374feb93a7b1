#!/bin/sh
# Rolling Talos upgrade, run by terraform_data.talos_upgrade (talos-cluster module). For each node in $NODES, in
# order and one at a time: if it does not run $TARGET_VERSION with schematic $TARGET_SCHEMATIC, upgrade it to
# $INSTALLER (draining it first when $DRAIN is true) and wait until it reports both. The talosconfig comes in $TALOSCONFIG_CONTENT and only ever
# touches disk as a 0600 temp file, removed on exit.
set -eu
umask 077
config=$(mktemp)
trap 'rm -f "$config"' EXIT INT TERM HUP
printf '%s' "$TALOSCONFIG_CONTENT" >"$config"
unset TALOSCONFIG_CONTENT

talosctl_on() { # talosctl against one node, through its own apid
  node=$1
  shift
  "$TALOSCTL" --talosconfig "$config" --endpoints "$node" --nodes "$node" "$@"
}

running_version() { # the server's Tag in `talosctl version`
  talosctl_on "$1" version 2>/dev/null | awk '/^Server:/ { s = 1 } s && /Tag:/ { print $2; exit }' || true
}

running_schematic() { # the virtual "schematic" extension Talos reports, whose version is the schematic ID
  talosctl_on "$1" get extensions -o yaml 2>/dev/null | awk '/name: schematic/ { f = 1 } f && /version:/ { print $2; exit }' || true
}

at_target() {
  [ "$(running_version "$1")" = "$TARGET_VERSION" ] && [ "$(running_schematic "$1")" = "$TARGET_SCHEMATIC" ]
}

for node in $NODES; do
  if at_target "$node"; then
    echo "talos-upgrade: $node already runs $TARGET_VERSION with schematic $TARGET_SCHEMATIC"
    continue
  fi
  echo "talos-upgrade: $node -> $INSTALLER"
  # talosctl 1.13's upgrade: ImageService.Pull of the installer, LifecycleService.Upgrade, then a reboot into it.
  # With $DRAIN the node is cordoned and drained through Kubernetes first (talosctl then tracks the reboot with
  # its event stream); without (no Kubernetes API, as on the simulator) the wait below follows the node back.
  talosctl_on "$node" upgrade --image "$INSTALLER" --drain="$DRAIN" --wait=false
  deadline=$(($(date +%s) + TIMEOUT_SECONDS))
  until at_target "$node"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "talos-upgrade: $node did not come back on $TARGET_VERSION with schematic $TARGET_SCHEMATIC within ${TIMEOUT_SECONDS}s" >&2
      exit 1
    fi
    sleep 2
  done
  echo "talos-upgrade: $node runs $TARGET_VERSION"
done
