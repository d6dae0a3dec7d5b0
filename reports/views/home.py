from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from organizations import access


@login_required
def home(request):
    """Leaders and reviewers land on the dashboard; clerks on their data entry."""
    if not access.can_read_reports(request.user):
        return redirect("indicators:entry_list")
    return render(request, "reports/home.html", {"unit": access.home_unit(request.user)})
