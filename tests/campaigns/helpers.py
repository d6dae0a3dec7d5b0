"""Activities written the way users write them: through campaigns.services."""

from campaigns.services import ActivityRow, activities_save

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def log(*rows, by=None):
    """rows: dicts of ActivityRow fields (org_unit defaults to Can Loc)."""
    return activities_save(
        rows=[ActivityRow.from_mapping({"org_unit": "HT-443", **r}, row=n) for n, r in enumerate(rows, 1)], by=by
    )


def training(day="2019-01-10", people=100, **over):
    return {"kind": "training_class", "date": day, "title": "Tập huấn DVC trực tuyến", "participants": people, **over}


def leaflets(day="2019-02-01", copies=500, topic="general", **over):
    return {"kind": "leaflet_run", "topic": topic, "date": day, "title": "Tờ rơi CCHC", "quantity": copies, **over}
