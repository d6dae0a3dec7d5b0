"""Evidence files: what is accepted, decided by the bytes, never by the name the browser sent.

Accepted: PDF, PNG, JPEG, GIF, WebP, and Office documents (Word, Excel, PowerPoint: the OOXML
zip formats and the legacy OLE2 ones). A file is kept only when its content is one of those AND
its extension agrees with that content (a PDF named .docx is refused, as is an HTML page named
.pdf). The user's file name is only shown back, after sanitising; the storage name is random.
"""

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

# extension → the content type it is sent as (always as a download)
TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}
OOXML_MAIN = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml", ".pptx": "ppt/presentation.xml"}
# An Office zip is small when unpacked; anything far beyond is a zip bomb, not a report.
OOXML_MAX_UNPACKED = 200 * 1024 * 1024


class EvidenceRejected(Exception):
    pass


@dataclass(frozen=True)
class CheckedFile:
    name: str  # sanitised, for display and the download's filename
    extension: str
    content_type: str
    size: int


def _sniff(data: bytes) -> set[str]:
    """The extensions the content is compatible with (empty: not an accepted type)."""
    if data.startswith(b"%PDF-"):
        return {".pdf"}
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return {".png"}
    if data.startswith(b"\xff\xd8\xff"):
        return {".jpg", ".jpeg"}
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return {".gif"}
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return {".webp"}
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2 compound file: legacy Office
        return {".doc", ".xls", ".ppt"}
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                infos = z.infolist()
                if sum(i.file_size for i in infos) > OOXML_MAX_UNPACKED:
                    return set()
                names = {i.filename for i in infos}
        except (zipfile.BadZipFile, ValueError):
            return set()
        if "[Content_Types].xml" not in names:
            return set()
        return {ext for ext, main in OOXML_MAIN.items() if main in names}
    return set()


_UNSAFE = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def clean_name(raw: str) -> str:
    """The file's name as the user gave it, checked against path tricks.

    Refused rather than silently repaired: a path (`../`, `/`, `\\`, a drive letter), control
    characters, a leading dot. Other odd characters are replaced; Vietnamese letters are kept.
    """
    name = unicodedata.normalize("NFC", raw or "").strip()
    if not name:
        raise EvidenceRejected(_("Tệp không có tên."))
    if "/" in name or "\\" in name or ".." in name or name.startswith(".") or re.match(r"^[A-Za-z]:", name):
        raise EvidenceRejected(_("Tên tệp «%(n)s» không hợp lệ: không được chứa đường dẫn hoặc «..».") % {"n": raw[:80]})
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise EvidenceRejected(_("Tên tệp chứa ký tự điều khiển."))
    name = _UNSAFE.sub("_", name)
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: 150 - len(ext) - 1]}.{ext}" if dot else name[:150]
    return name


def check_size(*, name: str, size: int) -> None:
    limit = settings.EVIDENCE_MAX_BYTES
    if size > limit:
        raise EvidenceRejected(
            _("Tệp «%(n)s» quá lớn (%(s)s MB); tối đa %(m)s MB.")
            % {"n": name[:80], "s": round(size / 1024 / 1024, 1), "m": round(limit / 1024 / 1024, 1)}
        )


def check_file(*, name: str, data: bytes) -> CheckedFile:
    """Accept a file or raise EvidenceRejected with a message in Vietnamese."""
    safe = clean_name(name)
    check_size(name=safe, size=len(data))
    if not data:
        raise EvidenceRejected(_("Tệp «%(n)s» rỗng.") % {"n": safe})
    ext = ("." + safe.rpartition(".")[2].lower()) if "." in safe else ""
    if ext not in TYPES:
        raise EvidenceRejected(
            _("Tệp «%(n)s»: chỉ nhận PDF, ảnh (PNG, JPEG, GIF, WebP) và văn bản Office (Word, Excel, PowerPoint).") % {"n": safe}
        )
    if ext not in _sniff(data):
        raise EvidenceRejected(
            _("Nội dung tệp «%(n)s» không phải là tệp %(e)s như tên tệp ghi: tệp bị từ chối.") % {"n": safe, "e": ext[1:].upper()}
        )
    return CheckedFile(name=safe, extension=ext, content_type=TYPES[ext], size=len(data))
