"""URLs: the kiosk API (``/v1/…``) and the pages."""

from django.urls import path

from django.contrib.staticfiles.views import serve as serve_static
from django.urls import re_path

from central import actions_views, anomaly_views, api, campaign_views, public, served_views, settings_views, views
from central.questionnaires.urls import urlpatterns as questionnaire_urls

urlpatterns = [
    path("", views.overview),
    path("login/", views.login_view),
    path("logout/", views.logout_view),
    path("lang/<str:code>/", views.set_language),
    path("unit/<str:unit_id>/", views.unit_view),
    path("unit/<str:unit_id>/served/", served_views.served_page),
    path("unit/<str:unit_id>/actions/", actions_views.step_view),              # issue 18: Việc cần khắc phục
    path("unit/<str:unit_id>/minh-chung/<int:year>.zip", actions_views.bundle_view),   # the evidence bundle
    path("kiosks/", views.kiosks_view),
    path("kiosks/<str:kiosk_id>/release-held-back/", views.release_held_back),
    path("registry/", views.registry_view),
    path("settings/", settings_views.settings_list),
    path("settings/<str:level>/<str:target_id>/", settings_views.settings_page),
    path("campaigns/", campaign_views.index),
    path("campaigns/<str:campaign_id>/", campaign_views.detail),
    path("campaigns/<str:campaign_id>/stop/", campaign_views.stop),
    path("campaigns/<str:campaign_id>/households/", campaign_views.households),
    path("campaigns/<str:campaign_id>/paper/", campaign_views.mark_forms),
    path("export/votes.csv", views.raw_votes),
    # Static files from the package itself (no CDN); nginx serves them directly in production.
    re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}),
    path("healthz", api.healthz),
    path("openapi.json", api.openapi),
    path("v1/batches", api.batches),
    path("v1/kiosks/<str:kiosk_id>/chain", api.kiosk_chain),
    path("v1/checkins", api.checkins),
    path("v1/enrol", api.enrol),
    path("v1/reports/totals", api.report_totals),
    path("v1/reports/chain", api.report_chain),
    path("v1/reports/ii7", api.report_ii7),
    path("v1/reports/overview", api.report_overview),
    path("v1/served", api.served),
    # The public pages and the check of an issued II.7 table (issue 18): no login.
    path("cong-khai/", public.city),
    path("cong-khai/du-lieu.json", public.city_feed),
    path("cong-khai/<str:unit_id>/", public.unit),
    path("cong-khai/<str:unit_id>/du-lieu.json", public.unit_feed),
    path("cong-khai/<str:unit_id>/nhung/", public.embed),
    path("cong-khai/<str:unit_id>/sanh-cho/", public.lobby),
    path("kiem-tra/<str:code>", public.verify),
    path("kiem-tra/<str:code>/", public.verify),
    path("v1/reports/anomalies", anomaly_views.report_anomalies),   # the gaming checks (issue 18)
    path("anomalies/", anomaly_views.anomalies_page),
    path("anomalies/note/", anomaly_views.add_note),
    *questionnaire_urls,   # the phone page, posters, paper forms and entry, analysis (issue 11)
]

handler404 = "central.api.not_found"
handler403 = "central.api.forbidden"
handler500 = "central.api.server_error"
handler400 = "central.api.bad_request"
