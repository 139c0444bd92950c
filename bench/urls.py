"""The product's URLs plus an empty view behind the same middleware and sign-in: the benchmark's yardstick."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as product_urlpatterns


@login_required
def empty(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"")


urlpatterns = [path("bench/empty/", empty, name="bench_empty"), *product_urlpatterns]
