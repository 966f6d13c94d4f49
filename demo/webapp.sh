#!/bin/sh
# webapp {start|stop|status}: the demo's fallback web service when nginx is
# not installed — a few lines of node:http answering every request on port 80
# with the node's name. Installed by the demo as <config-dir>/resource.d/webapp
# and run by heartbeat-ts like any resource.d script.
#
# Environment: WEBAPP_NODE (the name it answers), WEBAPP_PIDFILE,
# WEBAPP_NODE_BIN (default: node).
set -u
NAME=webapp
PIDFILE=${WEBAPP_PIDFILE:?WEBAPP_PIDFILE is not set}
NODE_BIN=${WEBAPP_NODE_BIN:-node}
: "${WEBAPP_NODE:?WEBAPP_NODE is not set}"

# Alive and not a zombie waiting for whoever adopted it to reap it.
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	! sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^[ZX]'
}

running_pid() {
	[ -r "$PIDFILE" ] || return 1
	pid=$(head -n 1 "$PIDFILE" | tr -d '[:space:]')
	case $pid in ''|*[!0-9]*) return 1 ;; esac
	alive "$pid" || return 1
	echo "$pid"
}

case ${1:-} in
start)
	running_pid >/dev/null && exit 0
	rm -f "$PIDFILE"
	# The server writes its pid file once it listens: its existence means "serving".
	WEBAPP_PIDFILE=$PIDFILE nohup "$NODE_BIN" -e '
		const fs = require("node:fs");
		const server = require("node:http").createServer((req, res) => res.end(process.env.WEBAPP_NODE + "\n"));
		server.listen(80, () => fs.writeFileSync(process.env.WEBAPP_PIDFILE, process.pid + "\n"));
		process.on("SIGTERM", () => { fs.rmSync(process.env.WEBAPP_PIDFILE, { force: true }); process.exit(0); });
	' >/dev/null 2>&1 &
	i=0
	while [ $i -lt 100 ]; do
		running_pid >/dev/null && exit 0
		i=$((i + 1))
		sleep 0.05
	done
	echo "$NAME: did not start listening on port 80 within 5 s" >&2
	exit 1 ;;
stop)
	pid=$(running_pid) || { rm -f "$PIDFILE"; exit 0; }
	kill -TERM "$pid"
	i=0
	while [ $i -lt 100 ] && alive "$pid"; do
		i=$((i + 1))
		sleep 0.02
	done
	alive "$pid" && kill -KILL "$pid"
	rm -f "$PIDFILE"
	exit 0 ;;
status)
	if running_pid >/dev/null; then echo "$NAME is running"; else echo "$NAME is stopped"; fi
	exit 0 ;;
*)
	echo "usage: $0 {start|stop|status}" >&2
	exit 2 ;;
esac
