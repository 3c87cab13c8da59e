from django.urls import path

from tactful.inbox import views

app_name = "inbox"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/counts/", views.queue_counts, name="queue_counts"),
    path("inbox/bulk/", views.bulk_action, name="bulk_action"),
    path("inbox/views/", views.save_view, name="save_view"),
    path("inbox/views/<int:view_id>/delete/", views.delete_view, name="delete_view"),
    path("tickets/new/", views.new_ticket, name="new_ticket"),
    path("tickets/<int:ticket_id>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:ticket_id>/viewers/", views.ticket_viewers, name="viewers"),
    path("tickets/<int:ticket_id>/reply/", views.reply, name="reply"),
    path("tickets/<int:ticket_id>/note/", views.add_note, name="note"),
    path("tickets/<int:ticket_id>/status/", views.set_status, name="status"),
    path("tickets/<int:ticket_id>/priority/", views.set_priority, name="priority"),
    path("tickets/<int:ticket_id>/assign/", views.assign, name="assign"),
    path("tickets/<int:ticket_id>/team/", views.set_team, name="team"),
    path("tickets/<int:ticket_id>/tags/", views.set_tags, name="tags"),
    path("tickets/<int:ticket_id>/subject/", views.set_subject, name="subject"),
    path("tickets/<int:ticket_id>/merge/", views.merge, name="merge"),
    path(
        "tickets/<int:ticket_id>/messages/<int:message_id>/retry-analysis/",
        views.retry_analysis,
        name="retry_analysis",
    ),
    path("attachments/<int:attachment_id>/", views.download_attachment, name="attachment"),
    path("team-load/", views.team_load, name="team_load"),
    path("team-load/<int:agent_id>/senior/", views.set_senior, name="set_senior"),
    path("me/language/", views.set_language, name="set_language"),
    path("me/", views.my_work, name="my_work"),
]
