# Shared settings and helpers for scripts/kafka-up and scripts/kafka-down (sourced, not run).
# The caller sets ROOT (the repository root) and SCRIPT_NAME (for messages).

# The newest broker version that kafkajs 2.2.4 passes scripts/kafka/check-kafkajs.ts against
# (see scripts/kafka/NOTES.md for the versions tried and what failed).
kDefaultKafkaVersion=4.4.0

KAFKA_VERSION="${KAFKA_VERSION:-$kDefaultKafkaVersion}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"

STATE_DIR="$ROOT/.kafka"
LIB_ROOT="$STATE_DIR/lib"
DATA_DIR="$STATE_DIR/data"
DATA_STAMP="$STATE_DIR/data.stamp"      # "<version> <cluster id>" of the formatted data dir
DATA_KEPT="$STATE_DIR/data.kept"        # present when kafka-down --keep-data left the data for reuse
PROPS_FILE="$STATE_DIR/server.properties"
PID_FILE="$STATE_DIR/broker.pid"
RUN_FILE="$STATE_DIR/broker.run"        # "<version> <port> <controller port>" of the running broker
LOG_FILE="$STATE_DIR/broker.log"
KAFKA_DIR="$ROOT/scripts/kafka"
NODE_BIN="$ROOT/node_modules/.bin/node"

say() { printf '%s: %s\n' "$SCRIPT_NAME" "$*"; }
fail() { printf '%s: error: %s\n' "$SCRIPT_NAME" "$*" >&2; exit 1; }

# Path relative to the repository root, for shorter messages.
rel() { printf '%s' "${1#"$ROOT"/}"; }

now_ms() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    local t="${EPOCHREALTIME/[.,]/}"
    printf '%s' "$((t / 1000))"
  else
    printf '%s' "$(($(date +%s) * 1000))"
  fi
}

# Seconds since a now_ms value, with one decimal.
elapsed_since() {
  local ms=$(($(now_ms) - $1))
  printf '%d.%d' "$((ms / 1000))" "$(((ms % 1000) / 100))"
}

# True when a process with this id runs the broker of this checkout (kafka.Kafka with our
# properties file), so a reused pid never makes us signal an unrelated process.
is_our_broker() {
  local pid="$1" args
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  args="$(ps -p "$pid" -o args= 2>/dev/null)" || return 1
  [[ "$args" == *kafka.Kafka* && "$args" == *"$PROPS_FILE"* ]]
}

# Prints the id of this checkout's running broker: from the pid file, or, when that is lost,
# from the process list (a java process running kafka.Kafka with our properties file).
find_broker_pid() {
  local pid
  if [[ -f "$PID_FILE" ]]; then
    pid="$(tr -d '[:space:]' <"$PID_FILE")"
    if is_our_broker "$pid"; then printf '%s' "$pid"; return 0; fi
  fi
  while read -r pid _; do
    if is_our_broker "$pid"; then printf '%s' "$pid"; return 0; fi
  done < <(ps -eo pid=,args= 2>/dev/null | grep -F -- "$PROPS_FILE" | grep -F kafka.Kafka || true)
  return 1
}

# Holds .kafka/lock while the script runs, so that two kafka-up / kafka-down calls (parallel CI
# steps, say) take turns. Without flock (macOS) the scripts run unguarded.
take_lock() {
  mkdir -p "$STATE_DIR"
  command -v flock >/dev/null || return 0
  exec 9>"$STATE_DIR/lock"
  flock -w 300 9 || fail "another kafka-up or kafka-down still holds $(rel "$STATE_DIR/lock") after 300 s"
}

# True when something accepts TCP connections on 127.0.0.1:<port>.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
