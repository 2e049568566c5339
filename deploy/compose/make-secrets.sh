#!/usr/bin/env bash
# Writes the compose stack's secrets into ./secrets/ (compose.yaml reads them as files): random values, a directory
# only its owner may enter, and never over existing files. The files themselves are world-readable because the
# containers read them as their own non-root users; the directory is what keeps other host users out.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=secrets
if [ -e "$dir/master_key" ]; then
  echo "make-secrets: $dir/ already holds secrets; remove it first to make new ones (the master key decrypts stored secrets)" >&2
  exit 1
fi
umask 022
mkdir -p "$dir"
chmod 700 "$dir"
random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
postgres_password=$(random_hex 24)
redis_password=$(random_hex 24)
random_hex 32 >"$dir/master_key"
printf '%s' "$postgres_password" >"$dir/postgres_password"
printf 'postgres://gatehouse:%s@postgres:5432/gatehouse' "$postgres_password" >"$dir/database_url"
printf 'requirepass %s\nappendonly yes\n' "$redis_password" >"$dir/redis.conf"
printf 'redis://:%s@redis:6379/0' "$redis_password" >"$dir/redis_url"
echo "make-secrets: wrote $dir/{master_key,postgres_password,database_url,redis.conf,redis_url}; back up master_key"
