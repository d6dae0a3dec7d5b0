from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from organizations import access


@login_required
def entry_list(request):
    units = access.entry_units(request.user)
    return render(request, "indicators/entry_list.html", {"units": units})
