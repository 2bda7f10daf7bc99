"""The dealer/store Excel import: upload → check (in the worker: the preview) → import the good rows (in the
worker, all or nothing, with progress) → the PF numbers created.

- upload refuses at once what is too big or plainly not an .xlsx, and a file already imported (same bytes);
- the check refuses a workbook it cannot read, with the wrong headers, with no rows or more than
  INTAKE_IMPORT_MAX_ROWS, each with a message; otherwise every row is kept with its state and reasons;
- the import registers every good row (and the likely duplicates, when asked) in ONE transaction through
  feedback.services.feedback_register: any failure rolls everything back and the batch says why. Progress is
  written through a second database connection (PostgreSQL), so the page sees it while the transaction runs;
- the same file is imported once: a partial unique index on the file's SHA-256 among imported batches."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.models import ProductModel
from feedback import services as registration

from .excel_read import WorkbookError, open_sheet, sniff
from .import_check import HEADERS, ModelIndex, check_row, mark_duplicates
from .models import ImportBatch, ImportRow

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 50
CLAIM_LEASE = dt.timedelta(minutes=10)
ROW_BATCH = 1000


def can_import(user: User) -> bool:
    return user.is_authenticated and user.has_perm("feedback.add_feedback")


def batches_visible_to(user: User):
    """Customer service sees its own imports; a supervisor (every feedback) sees everyone's."""
    qs = ImportBatch.objects.select_related("created_by")
    if not can_import(user):
        return qs.none()
    if user.has_perm("feedback.view_all_feedback"):
        return qs
    return qs.filter(created_by=user)


def _sha256(upload: File) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def already_imported(sha256: str) -> ImportBatch | None:
    return ImportBatch.objects.filter(sha256=sha256, state=ImportBatch.State.IMPORTED).first()


def batch_upload(*, actor: User, upload: File) -> ImportBatch:
    """Keep the workbook and queue its check. Raises ValidationError (for the form's field) when it is refused."""
    if not can_import(actor):
        raise PermissionDenied
    max_bytes = settings.INTAKE_IMPORT_MAX_MB * 1024 * 1024
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; a workbook may be at most %(max)s. Split it into several files.")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)}
        )
    if not upload.size:
        raise ValidationError(_("The file is empty."))
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    try:
        sniff(head)
    except WorkbookError as error:
        raise ValidationError(str(error)) from error
    sha256 = _sha256(upload)
    earlier = already_imported(sha256)
    if earlier is not None:
        raise ValidationError(
            _(
                "This file was already imported on %(at)s (import #%(id)s, %(n)s feedbacks): it is not imported twice."
            )
            % {
                "at": timezone.localtime(earlier.imported_at).strftime("%Y-%m-%d %H:%M"),
                "id": earlier.pk,
                "n": earlier.imported_count,
            }
        )
    with transaction.atomic():
        batch = ImportBatch(
            created_by=actor,
            original_name=(upload.name or "workbook.xlsx").rsplit("/", 1)[-1][:255],
            size=upload.size,
            sha256=sha256,
        )
        batch.file.save("upload.xlsx", upload, save=False)
        batch.save()
        transaction.on_commit(lambda: _enqueue("check_import", batch.pk))
    return batch


def _enqueue(task_name: str, batch_id: int) -> None:
    from . import tasks

    try:
        getattr(tasks, task_name).delay(batch_id)
    except Exception:
        logger.exception("could not enqueue %s for import %s; the sweep will pick it up", task_name, batch_id)


# --- the check (preview) ------------------------------------------------------------------------------------------
def batch_check(batch_id: int, *, now: dt.datetime | None = None) -> ImportBatch:
    """Read and check every row; the batch becomes READY (with its rows) or REFUSED (with the reason)."""
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.state != ImportBatch.State.CHECKING:
        return batch
    now = now or timezone.now()
    try:
        checked = _read_rows(batch, now=now)
    except WorkbookError as error:
        ImportBatch.objects.filter(pk=batch.pk).update(state=ImportBatch.State.REFUSED, message=str(error))
        batch.refresh_from_db()
        return batch
    mark_duplicates(checked)
    counts = {"good": 0, "error": 0, "duplicate": 0}
    with transaction.atomic():
        ImportRow.objects.filter(batch=batch).delete()
        pending = []
        for row in checked:
            counts[row.state] += 1
            pending.append(
                ImportRow(
                    batch=batch,
                    row_number=row.number,
                    state=row.state,
                    summary=row.summary,
                    data=row.data,
                    errors=row.errors,
                    duplicate_of=row.duplicate_of,
                )
            )
            if len(pending) >= ROW_BATCH:
                ImportRow.objects.bulk_create(pending)
                pending = []
        ImportRow.objects.bulk_create(pending)
        ImportBatch.objects.filter(pk=batch.pk).update(
            state=ImportBatch.State.READY,
            total_rows=len(checked),
            good_rows=counts["good"],
            error_rows=counts["error"],
            duplicate_rows=counts["duplicate"],
            progress_done=len(checked),
            progress_total=len(checked),
            message="",
        )
    batch.refresh_from_db()
    return batch


def _read_rows(batch: ImportBatch, *, now: dt.datetime) -> list:
    limit = settings.INTAKE_IMPORT_MAX_ROWS
    models = ModelIndex()
    with batch.file.open("rb") as fh:
        sheet = open_sheet(fh)
        try:
            too_many = WorkbookError(
                _(
                    "The workbook has more than %(max)s rows; one file may hold at most %(max)s. Split it into several files: nothing was imported."
                )
                % {"max": f"{limit:,}"}
            )
            if (
                sheet.count_rows_with_values(limit) > limit
            ):  # a quick count first: no minute of reading to refuse
                raise too_many
            checked = []
            for number, record in sheet.rows:
                if len(checked) >= limit:
                    raise too_many
                checked.append(check_row(number, record, models, now=now))
                if len(checked) % (PROGRESS_EVERY * 20) == 0:
                    ImportBatch.objects.filter(pk=batch.pk).update(progress_done=len(checked))
        finally:
            sheet.close()
    if not checked:
        raise WorkbookError(
            _("The workbook has no rows to import: fill in the sheet from row 3 on (row 2 is the example).")
        )
    return checked


# --- the import -------------------------------------------------------------------------------------------------
def batch_import_start(*, batch: ImportBatch, actor: User, include_duplicates: bool) -> ImportBatch:
    """Queue the import of a checked batch (its uploader or a supervisor)."""
    with transaction.atomic():
        locked = batches_visible_to(actor).select_for_update(of=("self",)).filter(pk=batch.pk).first()
        if locked is None:
            raise PermissionDenied
        if locked.state != ImportBatch.State.READY:
            raise ValidationError(
                _("This import is “%(state)s”: it cannot be started.") % {"state": locked.get_state_display()}
            )
        total = locked.good_rows + (locked.duplicate_rows if include_duplicates else 0)
        if not total:
            raise ValidationError(
                _("No row can be imported: correct the rows with errors and upload the file again.")
            )
        earlier = already_imported(locked.sha256)
        if earlier is not None:
            raise ValidationError(_("This file was already imported (import #%(id)s).") % {"id": earlier.pk})
        locked.state = ImportBatch.State.IMPORTING
        locked.include_duplicates = include_duplicates
        locked.progress_done = 0
        locked.progress_total = total
        locked.message = ""
        locked.save(
            update_fields=["state", "include_duplicates", "progress_done", "progress_total", "message"]
        )
        transaction.on_commit(lambda: _enqueue("run_import", locked.pk))
    return locked


def batch_cancel(*, batch: ImportBatch, actor: User) -> ImportBatch:
    updated = (
        batches_visible_to(actor)
        .filter(pk=batch.pk, state=ImportBatch.State.READY)
        .update(state=ImportBatch.State.CANCELLED)
    )
    if not updated:
        raise ValidationError(_("Only an import that waits to be started can be cancelled."))
    batch.refresh_from_db()
    return batch


class RowFailed(Exception):
    pass


class _Progress:
    """Writes the batch's progress (and renews the worker's claim) where the page can read it while the import's
    transaction is open: through a connection of its own, in autocommit, never waiting for a lock more than two
    seconds (PostgreSQL). SQLite has one writer at a time: there the bar moves at the end."""

    def __init__(self, batch_id: int) -> None:
        self.batch_id = batch_id
        self.side = None
        if connection.vendor == "postgresql":
            self.side = connections.create_connection("default")
            with self.side.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")

    def __call__(self, done: int) -> None:
        if self.side is None:
            return
        try:
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportBatch._meta.db_table} SET progress_done = %s, claimed_until = %s WHERE id = %s",
                    [done, timezone.now() + CLAIM_LEASE, self.batch_id],
                )
        except Exception:  # progress is a courtesy: never let it break the import
            logger.exception("could not write the progress of import %s", self.batch_id)
            self.close()
            self.side = None

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def _registration_data(row: ImportRow, models: dict[int, ProductModel]) -> dict:
    data = dict(row.data)
    data["product_model"] = models.get(data.get("product_model"))
    data["purchase_date"] = (
        dt.date.fromisoformat(data["purchase_date"]) if data.get("purchase_date") else None
    )
    data["feedback_time"] = (
        dt.datetime.fromisoformat(data["feedback_time"]) if data.get("feedback_time") else None
    )
    return data


def _claim(batch_id: int) -> bool:
    now = timezone.now()
    lease = CLAIM_LEASE if connection.vendor == "postgresql" else dt.timedelta(hours=3)
    return bool(
        ImportBatch.objects.filter(pk=batch_id, state=ImportBatch.State.IMPORTING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + lease)
    )


def batch_import(batch_id: int) -> ImportBatch:
    """Register every row to import in one transaction; IMPORTED with the numbers, or FAILED with the reason
    and nothing registered. The batch row is claimed before (not locked during) the transaction, so that the
    progress can be written beside it."""
    if not _claim(batch_id):
        return ImportBatch.objects.get(pk=batch_id)
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    progress = _Progress(batch.pk)
    states = [ImportRow.State.GOOD] + ([ImportRow.State.DUPLICATE] if batch.include_duplicates else [])
    try:
        with transaction.atomic():
            models = {m.pk: m for m in ProductModel.objects.all()}
            now = timezone.now()
            rows = list(ImportRow.objects.filter(batch=batch, state__in=states).order_by("row_number"))
            for done, row in enumerate(rows, start=1):
                try:
                    row.feedback = registration.feedback_register(
                        actor=batch.created_by, data=_registration_data(row, models), complete=True, at=now
                    )
                except ValidationError as error:
                    reasons = "; ".join(
                        f"{HEADERS.get(k, k)}: {' '.join(v)}"
                        for k, v in getattr(error, "message_dict", {"": error.messages}).items()
                    )
                    raise RowFailed(
                        _("Row %(n)s: %(reasons)s") % {"n": row.row_number, "reasons": reasons}
                    ) from error
                if done % PROGRESS_EVERY == 0:
                    progress(done)
            progress.close()
            ImportRow.objects.bulk_update(rows, ["feedback"], batch_size=ROW_BATCH)
            ImportBatch.objects.filter(pk=batch.pk).update(
                state=ImportBatch.State.IMPORTED,
                imported_at=now,
                imported_count=len(rows),
                progress_done=len(rows),
                claimed_until=None,
            )
    except (RowFailed, IntegrityError, PermissionDenied) as error:
        message = (
            str(error)
            if isinstance(error, RowFailed)
            else _("This file was already imported by another import.")
        )
        if isinstance(error, PermissionDenied):
            message = _("%(user)s may no longer register feedback.") % {"user": batch.created_by}
        ImportBatch.objects.filter(pk=batch.pk).update(
            state=ImportBatch.State.FAILED,
            message=_("Nothing was imported. %(reason)s") % {"reason": message},
            progress_done=0,
            claimed_until=None,
        )
    finally:
        progress.close()
    batch.refresh_from_db()
    return batch


def batches_stuck(*, older_than: dt.timedelta = dt.timedelta(minutes=10)) -> list[tuple[str, int]]:
    """Batches whose task was never run (the broker was down when they were queued): (task, id) to run again."""
    now = timezone.now()
    stale_claim = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return [
        ("check_import" if state == ImportBatch.State.CHECKING else "run_import", pk)
        for pk, state in ImportBatch.objects.filter(
            Q(state=ImportBatch.State.CHECKING) | (Q(state=ImportBatch.State.IMPORTING) & stale_claim),
            created_at__lt=now - older_than,
        ).values_list("pk", "state")
    ]
