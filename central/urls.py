"""URLs: the kiosk API (``/v1/…``) and the pages."""

from django.urls import path

from central import api

urlpatterns = [
    path("healthz", api.healthz),
    path("openapi.json", api.openapi),
    path("v1/batches", api.batches),
    path("v1/reports/totals", api.report_totals),
    path("v1/reports/chain", api.report_chain),
    path("v1/reports/ii7", api.report_ii7),
]

handler404 = "central.api.not_found"
handler500 = "central.api.server_error"
handler400 = "central.api.bad_request"
