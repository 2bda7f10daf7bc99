"""Uploaded files: the type is read from the content (magic bytes), never trusted from the name; the size is
capped by ``settings.ATTACHMENT_MAX_MB``. Files a form could not save yet are kept in a per-user stash so that a
form shown again with errors does not make the user pick them again."""

import datetime as dt
import json
import uuid
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

KIND_IMAGE, KIND_VIDEO, KIND_AUDIO, KIND_PDF, KIND_OFFICE = "image", "video", "audio", "pdf", "office"
KIND_LABELS = {
    KIND_IMAGE: gettext_lazy("Image"),
    KIND_VIDEO: gettext_lazy("Video"),
    KIND_AUDIO: gettext_lazy("Audio recording"),
    KIND_PDF: gettext_lazy("PDF"),
    KIND_OFFICE: gettext_lazy("Office document"),
}
# extension detected from the content → kind
ACCEPTED = {
    **dict.fromkeys(("jpg", "png", "gif", "webp", "bmp", "tif", "heic", "avif"), KIND_IMAGE),
    **dict.fromkeys(("mp4", "mov", "m4v", "avi", "mkv", "webm", "3gp", "wmv", "mpg", "flv"), KIND_VIDEO),
    **dict.fromkeys(("mp3", "m4a", "amr", "wav", "aac", "ogg", "flac"), KIND_AUDIO),
    "pdf": KIND_PDF,
    **dict.fromkeys(("doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf"), KIND_OFFICE),
}
# Shown inline in the browser; everything else downloads.
INLINE_KINDS = {KIND_IMAGE, KIND_VIDEO, KIND_AUDIO, KIND_PDF}


@dataclass(frozen=True)
class Detected:
    kind: str
    content_type: str
    extension: str


def accepted_types_text() -> str:
    return _("images, videos, audio recordings, PDF and Office documents")


def detect(upload: File) -> Detected:
    """The file's real type, from its first bytes. Raises ValidationError naming the file when it is refused."""
    name = getattr(upload, "name", "") or _("(unnamed)")
    max_bytes = settings.ATTACHMENT_MAX_MB * 1024 * 1024
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(max)s.")
            % {"name": name, "size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
            code="too_large",
        )
    if not upload.size:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guess = filetype.guess(head)
    if guess is None or guess.extension not in ACCEPTED:
        raise ValidationError(
            _(
                "“%(name)s” is not an accepted file type (accepted: %(types)s). Its content was checked, not its name."
            )
            % {"name": name, "types": accepted_types_text()},
            code="bad_type",
        )
    return Detected(kind=ACCEPTED[guess.extension], content_type=guess.mime, extension=guess.extension)


# --- the stash: files uploaded with a form that had errors --------------------------------------------------------
STASH_DIR = "stash"


@dataclass(frozen=True)
class StashedFile:
    token: str
    name: str
    size: int


def _stash_paths(token: str) -> tuple[str, str]:
    return f"{STASH_DIR}/{token}.bin", f"{STASH_DIR}/{token}.json"


def stash_put(upload: UploadedFile, *, user_id: int) -> StashedFile:
    """Keep a validated upload aside; returns the token the form carries in a hidden field."""
    token = uuid.uuid4().hex
    data_path, meta_path = _stash_paths(token)
    upload.seek(0)
    default_storage.save(data_path, upload)
    meta = {"user_id": user_id, "name": upload.name, "size": upload.size}
    default_storage.save(meta_path, ContentFile(json.dumps(meta).encode()))
    return StashedFile(token=token, name=upload.name, size=upload.size)


def stash_get(token: str, *, user_id: int) -> StashedFile | None:
    """The stashed file for ``token`` if it exists and belongs to this user."""
    if not token or len(token) != 32 or not token.isalnum():
        return None
    _data, meta_path = _stash_paths(token)
    if not default_storage.exists(meta_path):
        return None
    with default_storage.open(meta_path) as fh:
        meta = json.loads(fh.read())
    if meta.get("user_id") != user_id:
        return None
    return StashedFile(token=token, name=meta["name"], size=meta["size"])


def stash_take(token: str, *, user_id: int) -> File | None:
    """Open a stashed file for saving as an attachment; the caller calls ``stash_drop`` after saving."""
    stashed = stash_get(token, user_id=user_id)
    if stashed is None:
        return None
    data_path, _meta = _stash_paths(token)
    fh = default_storage.open(data_path)
    return File(fh, name=stashed.name)


def stash_drop(token: str) -> None:
    for path in _stash_paths(token):
        if default_storage.exists(path):
            default_storage.delete(path)


def stash_purge(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete stashed files nobody came back for (the form was abandoned); returns how many."""
    if not default_storage.exists(STASH_DIR):
        return 0
    cutoff = timezone.now() - older_than
    _dirs, names = default_storage.listdir(STASH_DIR)
    purged = 0
    for name in names:
        if not name.endswith(".json"):
            continue
        token = name.removesuffix(".json")
        if default_storage.get_modified_time(f"{STASH_DIR}/{name}") < cutoff:
            stash_drop(token)
            purged += 1
    return purged
