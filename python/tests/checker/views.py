"""Views written as the app's code would be after the migration guide: the CMU
frame and mapping come from the bake, loaded once per process."""

from functools import lru_cache

from django.http import JsonResponse
from django.shortcuts import render

import prebake


@lru_cache(maxsize=1)
def cmu_dataframe():
    return prebake.read_table("cmu/cmus")


def index(request):
    df = cmu_dataframe()
    year = df[df["Delivery Year"] == "2024"]
    return render(request, "checker/index.html", {"outcode": request.GET.get("outcode", "SW1A"), "rows": len(df), "companies": year["Normalized Full Name"].nunique()})


def component_map_detail(request, component_id):
    body = prebake.component_detail(component_id)
    if body is None:
        return JsonResponse({"success": False, "error": "not found"}, status=404)
    return JsonResponse(body)


def company_years(request, company_id, year):
    df = cmu_dataframe()
    rows = df[(df["Normalized Full Name"] == company_id) & (df["Delivery Year"].str.strip() == year)]
    return JsonResponse({"cmu_ids": sorted(rows["CMU ID"].unique().tolist())})


def access_required(view):
    """Stands for the app's checker.decorators.access_required.map_access_required
    (a trial-expired user is redirected): here, a request with ?trial=expired."""
    from functools import wraps

    from django.shortcuts import redirect

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.GET.get("trial") == "expired":
            return redirect("/accounts/payment-required/")
        return view(request, *args, **kwargs)

    return wrapper
