"""How the server hands out a stored file: the browser is told not to guess another type from its content."""

from django.http import FileResponse


def file_response(handle, *, filename: str, content_type: str, as_attachment: bool = True) -> FileResponse:
    response = FileResponse(handle, as_attachment=as_attachment, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
