"""Customer pages, mounted at /customers/."""

from django.urls import path

from tactful.profiles import views

app_name = "profiles"

urlpatterns = [
    path("<int:customer_id>/", views.customer_page, name="customer"),
    path("<int:customer_id>/merge/", views.merge, name="merge"),
    path("<int:customer_id>/erase/", views.erase, name="erase"),
    path("merges/<int:merge_id>/undo/", views.undo, name="undo"),
    path("<int:customer_id>/block/", views.block, name="block"),
    path("blocks/<int:block_id>/lift/", views.lift, name="lift"),
]
