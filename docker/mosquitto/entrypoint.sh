#!/bin/sh
# Entry point of the stack's Mosquitto: writes the password file (hashed with mosquitto_passwd) and a private
# copy of the ACL file into a tmpfs at each start, from the passwords in the environment (docker/.env), hands
# the data volume to the mosquitto user, then runs the command (mosquitto). A missing password stops the start
# with the variable's name. Without a command it only writes the files (the static spec runs it that way).
set -eu

config_dir="${MOSQUITTO_CONFIG_DIR:-/mosquitto/config}"
secrets_dir="${MOSQUITTO_SECRETS_DIR:-/mosquitto/secrets}"
data_dir="${MOSQUITTO_DATA_DIR:-/mosquitto/data}"

missing=""
for name in MQTT_CHIRPSTACK_PASSWORD MQTT_GATEWAY_BRIDGE_PASSWORD SUPERVISOR_MQTT_PASSWORD; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || missing="$missing $name"
done
if [ -n "$missing" ]; then
  echo "mosquitto: missing password(s):$missing (set them in docker/.env, see docker/env.example)" >&2
  exit 64
fi

umask 077
mkdir -p "$secrets_dir"
# The plain-text file only lives until mosquitto_passwd has hashed it, inside the tmpfs.
plain="$secrets_dir/passwd.plain"
printf '%s:%s\n' \
  chirpstack "$MQTT_CHIRPSTACK_PASSWORD" \
  gateway-bridge "$MQTT_GATEWAY_BRIDGE_PASSWORD" \
  supervisor "$SUPERVISOR_MQTT_PASSWORD" > "$plain"
mosquitto_passwd -U "$plain"
mv "$plain" "$secrets_dir/passwd"
cp "$config_dir/acl" "$secrets_dir/acl"
# Mosquitto reads both files, and writes its persistence file, after dropping root for its own user.
if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then
  chown mosquitto:mosquitto "$secrets_dir" "$secrets_dir/passwd" "$secrets_dir/acl"
  mkdir -p "$data_dir"
  chown -R mosquitto:mosquitto "$data_dir"
fi

if [ "$#" -eq 0 ]; then
  exit 0
fi
exec "$@"
