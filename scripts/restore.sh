#!/bin/sh
# Restore a backup made by scripts/backup.sh into an EMPTY database (docs/operations.md):
#   sh scripts/restore.sh /var/backups/aftersales/aftersales-20261203-020000.dump postgres://user:pass@host:5432/aftersales_restored [media.tar.gz MEDIA_ROOT]
# Then point DATABASE_URL at it and run `python manage.py migrate` (a no-op for a backup of the same version).
set -eu
DUMP="${1:?the .dump file}"
TARGET="${2:?the database URL to restore into}"
PG_RESTORE="${PG_RESTORE:-pg_restore}"
"$PG_RESTORE" --no-owner --exit-on-error --dbname="$TARGET" "$DUMP"
if [ $# -ge 4 ]; then
  mkdir -p "$4"
  tar -C "$4" -xzf "$3"
fi
echo "restore: $DUMP -> database restored"
