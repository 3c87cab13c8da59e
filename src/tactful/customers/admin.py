from django.contrib import admin

from tactful.customers.models import Customer, CustomerIdentity


class IdentityInline(admin.TabularInline):
    model = CustomerIdentity
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "email", "preferred_language", "created_at"]
    list_filter = ["preferred_language"]
    search_fields = ["name", "email", "identities__handle"]
    inlines = [IdentityInline]


@admin.register(CustomerIdentity)
class CustomerIdentityAdmin(admin.ModelAdmin):
    list_display = ["handle", "channel", "customer"]
    list_filter = ["channel"]
    search_fields = ["handle"]
    raw_id_fields = ["customer"]
