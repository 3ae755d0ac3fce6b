#!/usr/bin/env bash
# Makes sure a MariaDB server answers on 127.0.0.1 for the MySQL/MariaDB driver tests, reachable
# over TCP as the test administrator (root with an empty password unless ROTOR_TEST_MYSQL_USER /
# ROTOR_TEST_MYSQL_PASSWORD say otherwise). Idempotent: when the server already answers it changes
# nothing. Otherwise it installs mariadb-server (Debian) when absent, initialises the data
# directory when empty, starts mariadbd in the background and opens TCP access for root.
# Meant for throwaway CI machines and containers, not for servers that hold real data.
set -euo pipefail

HOST=127.0.0.1
PORT="${ROTOR_TEST_MYSQL_PORT:-3306}"
ADMIN_USER="${ROTOR_TEST_MYSQL_USER:-root}"
ADMIN_PASSWORD="${ROTOR_TEST_MYSQL_PASSWORD:-}"
SERVER=/usr/sbin/mariadbd
WAIT_SECONDS=60

client() {
  if command -v mariadb >/dev/null 2>&1; then mariadb "$@"; else mysql "$@"; fi
}

answers_over_tcp() {
  MYSQL_PWD="$ADMIN_PASSWORD" client --protocol=tcp -h "$HOST" -P "$PORT" -u "$ADMIN_USER" -e 'SELECT 1' >/dev/null 2>&1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "ensure-mariadb: root is needed to run: $*" >&2
    exit 1
  fi
}

answers_on_socket() {
  as_root "$(command -v mariadb || command -v mysql)" --protocol=socket -u root -e 'SELECT 1' >/dev/null 2>&1
}

if answers_over_tcp; then
  echo "ensure-mariadb: MariaDB answers on $HOST:$PORT"
  exit 0
fi

if [ ! -x "$SERVER" ]; then
  echo "ensure-mariadb: installing mariadb-server"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q mariadb-server mariadb-client
fi

if ! answers_on_socket; then
  datadir="$(my_print_defaults mysqld mariadb mariadbd 2>/dev/null | sed -n 's/^--datadir=//p' | tail -n 1)"
  datadir="${datadir:-/var/lib/mysql}"
  as_root install -d -o mysql -g mysql /run/mysqld
  if [ ! -d "$datadir/mysql" ]; then
    echo "ensure-mariadb: initialising $datadir"
    as_root mariadb-install-db --user=mysql --datadir="$datadir" >/dev/null
  fi
  echo "ensure-mariadb: starting $SERVER"
  as_root start-stop-daemon --start --oknodo --background --exec "$SERVER" -- --user=mysql
  for _ in $(seq "$WAIT_SECONDS"); do
    answers_on_socket && break
    sleep 1
  done
  answers_on_socket || { echo "ensure-mariadb: the server did not come up within ${WAIT_SECONDS}s" >&2; exit 1; }
fi

if ! answers_over_tcp && [ "$ADMIN_USER" = root ] && [ -z "$ADMIN_PASSWORD" ]; then
  # A fresh Debian install lets root in only through the socket; the tests log in over TCP.
  echo "ensure-mariadb: opening TCP access for root on $HOST"
  as_root "$(command -v mariadb || command -v mysql)" --protocol=socket -u root -e "
    CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
    ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');"
fi

if answers_over_tcp; then
  echo "ensure-mariadb: MariaDB answers on $HOST:$PORT"
else
  echo "ensure-mariadb: MariaDB does not answer on $HOST:$PORT as $ADMIN_USER" >&2
  exit 1
fi
