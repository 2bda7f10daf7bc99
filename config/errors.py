"""Error pages in the user's language (Chinese by default): templates/400.html, 403.html, 404.html, 500.html, and
JSON for the API (``{"detail": "未找到。"}``), never Django's English defaults.

With DEBUG on (a developer's ``DEBUG=true make run``), Django would answer a view's Http404 with its English
technical page, which also lists the URL patterns: the middleware below answers the Chinese 404 page instead, so a
feedback one may not see looks the same in every mode. (A path that matches no route still gets the technical
page under DEBUG: that is the developer's tool; production and the default ``make run`` run with DEBUG off.)"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework.exceptions import NotFound

API_PREFIX = "/api/"


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)


class NotFoundPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
