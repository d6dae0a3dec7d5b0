from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from organizations import access
from reports.views.dashboard import dashboard_page


@login_required
def home(request):
    """Leaders and reviewers land on the dashboard; clerks on their data entry."""
    if not access.can_read_reports(request.user):
        if request.GET.get("unit"):
            access.get_unit_for_view(request.user, request.GET["unit"])  # a unit they cannot see: 404
        return redirect("indicators:entry_list")
    return dashboard_page(request)
