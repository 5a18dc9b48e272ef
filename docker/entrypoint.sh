#!/bin/sh
# Entry point of the supervisor image (docker/Dockerfile). Puts the flow file of the instance's role in the user
# directory, gives an ingest worker a stable MQTT client id, then runs Node-RED with the package's settings
# (dist/settings.js, compiled from settings.ts; settings.ts reads the same flow-file name from the role).
#   - role all or leader: flows.json, copied from the image on the first start only, never over an existing one
#     (what was changed in the editor stays; the same rule as `npm start`).
#   - role ingest: flows-ingest.json, replaced from the image at every start (workers have no editor, so an
#     upgraded image brings its new ingest flow).
#   - SUPERVISOR_MQTT_CLIENT_ID empty on an ingest worker: "nr-ingest-<container hostname>", written once in the
#     user directory and reused. Compose keeps a replica's /data volume when it recreates the container, so a
#     recreated worker resumes its persistent MQTT session instead of leaving it behind in the shared group.
# Arguments are passed on to Node-RED.
set -eu

app_dir="${APP_DIR:-/opt/supervisor}"
node_red_js="${NODE_RED_JS:-/usr/src/node-red/node_modules/node-red/red.js}"
user_dir="${SUPERVISOR_USER_DIR:-/data}"
role="$(printf '%s' "${SUPERVISOR_INSTANCE_ROLE:-all}" | tr '[:upper:]' '[:lower:]')"

say() { printf '[supervisor] %s\n' "$*"; }
fail() { printf '[supervisor] %s\n' "$*" >&2; exit 64; }

if [ -z "${SUPERVISOR_MQTT_URL:-}" ]; then
  fail "SUPERVISOR_MQTT_URL is empty: this image has no embedded broker; give the broker's URL (docker/compose.yaml sets mqtt://mosquitto:1883)"
fi

case "$role" in
  ingest) flow_file=flows-ingest.json ;;
  all | leader) flow_file=flows.json ;;
  *) fail "SUPERVISOR_INSTANCE_ROLE=\"$role\" must be one of: all, ingest, leader" ;;
esac

mkdir -p "$user_dir"
target="$user_dir/$flow_file"
if [ "$role" = ingest ]; then
  cp "$app_dir/image-flows/$flow_file" "$target.tmp"
  mv "$target.tmp" "$target"
  say "ingest worker: flow file $target from the image"
elif [ -f "$target" ]; then
  say "using the existing flow file $target"
else
  cp "$app_dir/image-flows/$flow_file" "$target.tmp"
  mv "$target.tmp" "$target"
  say "first start: application flows written to $target"
fi

# The core mqtt-broker node of the application flows (lighting downlinks, simulator) logs in with Node-RED
# credentials, which a flow file never carries. On the first start its credentials file gets references to the
# environment, not the secrets themselves: Node-RED substitutes ${VAR} in credentials when a node starts, and
# encrypts the file with the credential secret at the next deploy.
cred_file="$user_dir/${flow_file%.json}_cred.json"
if [ "$role" != ingest ] && [ ! -f "$cred_file" ]; then
  printf '%s\n' '{"broker-supervisor":{"user":"${SUPERVISOR_MQTT_USER}","password":"${SUPERVISOR_MQTT_PASSWORD}"}}' > "$cred_file"
  say "first start: broker login of the flows read from SUPERVISOR_MQTT_USER and SUPERVISOR_MQTT_PASSWORD"
fi

if [ "$role" = ingest ] && [ -z "${SUPERVISOR_MQTT_CLIENT_ID:-}" ]; then
  id_file="$user_dir/.mqtt-client-id"
  if [ ! -s "$id_file" ]; then
    printf 'nr-ingest-%s\n' "${HOSTNAME:-$(hostname)}" > "$id_file"
  fi
  SUPERVISOR_MQTT_CLIENT_ID="$(cat "$id_file")"
  export SUPERVISOR_MQTT_CLIENT_ID
fi
if [ -n "${SUPERVISOR_MQTT_CLIENT_ID:-}" ]; then
  say "MQTT client id $SUPERVISOR_MQTT_CLIENT_ID (persistent session)"
fi

# V8's heap, as `npm start` sizes it (scripts/environment.ts): SUPERVISOR_SEMI_SPACE_MB (default 64) and
# SUPERVISOR_MAX_OLD_SPACE_MB (default 256 on an ingest worker, else V8's own limit); 0 keeps V8's default.
megabytes() { # name value min max
  case "$2" in
    '' | *[!0-9]*) fail "$1=\"$2\" must be 0 (V8's default) or an integer from $3 to $4" ;;
  esac
  if [ "$2" -ne 0 ] && { [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; }; then
    fail "$1=\"$2\" must be 0 (V8's default) or an integer from $3 to $4"
  fi
}
semi_space_mb="${SUPERVISOR_SEMI_SPACE_MB:-64}"
if [ "$role" = ingest ]; then old_space_default=256; else old_space_default=0; fi
old_space_mb="${SUPERVISOR_MAX_OLD_SPACE_MB:-$old_space_default}"
megabytes SUPERVISOR_SEMI_SPACE_MB "$semi_space_mb" 1 1024
megabytes SUPERVISOR_MAX_OLD_SPACE_MB "$old_space_mb" 64 65536
node_options=""
[ "$semi_space_mb" -eq 0 ] || node_options="--max-semi-space-size=$semi_space_mb"
[ "$old_space_mb" -eq 0 ] || node_options="$node_options --max-old-space-size=$old_space_mb"

# $node_options unquoted on purpose: split into its options, and no argument at all when empty.
# shellcheck disable=SC2086
exec node $node_options "$node_red_js" --settings "$app_dir/dist/settings.js" --userDir "$user_dir" "$@"
