"""The questionnaire's URLs. ``/q/<centre_id>/<questionnaire_id>/`` is a contract (printed on posters)."""

from django.urls import path

from central.questionnaires import office, phone, results

urlpatterns = [
    path("q/<str:centre_id>/<str:questionnaire_id>/", phone.phone_page),
    path("questionnaires/", office.index),
    path("questionnaires/analysis/<str:unit_id>/", results.analysis_page),
    path("questionnaires/<str:centre_id>/<str:questionnaire_id>/poster/", office.poster),
    path("questionnaires/<str:centre_id>/<str:questionnaire_id>/paper.pdf", office.paper_pdf),
    path("questionnaires/<str:centre_id>/<str:questionnaire_id>/entry/", office.entry),
]
