#!/bin/sh
# A backup of the database and the uploaded files (docs/operations.md): pg_dump in its custom format (compressed,
# restorable table by table with pg_restore) and a tar of MEDIA_ROOT, named by date, in BACKUP_DIR; backups older
# than BACKUP_KEEP_DAYS days are removed. docker-compose.yml's `backup` service runs it every night; elsewhere:
#   DATABASE_URL=postgres://user:pass@host:5432/aftersales BACKUP_DIR=/var/backups/aftersales sh scripts/backup.sh
set -eu
: "${DATABASE_URL:?set DATABASE_URL}"
: "${BACKUP_DIR:?set BACKUP_DIR}"
KEEP_DAYS="${BACKUP_KEEP_DAYS:-30}"
PG_DUMP="${PG_DUMP:-pg_dump}"
stamp="$(date +%Y%m%d-%H%M%S)"
mkdir -p "$BACKUP_DIR"
# write under a temporary name, rename when complete: a half-written dump never looks like a backup
"$PG_DUMP" --format=custom --no-owner --file="$BACKUP_DIR/.aftersales-$stamp.dump.part" "$DATABASE_URL"
mv "$BACKUP_DIR/.aftersales-$stamp.dump.part" "$BACKUP_DIR/aftersales-$stamp.dump"
if [ -n "${MEDIA_ROOT:-}" ] && [ -d "$MEDIA_ROOT" ]; then
  tar -C "$MEDIA_ROOT" -czf "$BACKUP_DIR/.media-$stamp.tar.gz.part" .
  mv "$BACKUP_DIR/.media-$stamp.tar.gz.part" "$BACKUP_DIR/media-$stamp.tar.gz"
fi
find "$BACKUP_DIR" -maxdepth 1 -type f \( -name 'aftersales-*.dump' -o -name 'media-*.tar.gz' \) -mtime "+$KEEP_DAYS" -delete
echo "backup: $BACKUP_DIR/aftersales-$stamp.dump"
