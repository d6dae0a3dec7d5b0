"""The 2018 demo's activity log: what HT-STTTT and two districts did, adding up to their demo figures.

HT-STTTT's quarters: training classes 1, 1, 1, 2 for 220, 240, 260, 280 people (5 classes, 1.000
people), online-service leaflets 3.740, 4.080, 4.420, 4.760 (17.000), fanpage clips 6, 7, 7, 10 (30).
Can Loc (HT-443) trained 217 people in 3 classes in Q4; Huong Khe (HT-444) 223 in one class in Q1.
"""

import datetime

D = datetime.date
PLAN = "394/KH-UBND"

_CLASSES = [
    # unit, date, title, place, participants, citizens, businesses, officials
    (
        "HT-STTTT",
        D(2018, 3, 2),
        "Tập huấn sử dụng dịch vụ công trực tuyến mức độ 3, 4",
        "Trung tâm Hành chính công tỉnh",
        220,
        150,
        40,
        30,
    ),
    (
        "HT-STTTT",
        D(2018, 5, 17),
        "Tập huấn nộp hồ sơ trực tuyến cho doanh nghiệp",
        "Hội trường Sở Thông tin và Truyền thông",
        240,
        60,
        160,
        20,
    ),
    (
        "HT-STTTT",
        D(2018, 8, 9),
        "Tập huấn dịch vụ công trực tuyến cho đoàn viên thanh niên",
        "Nhà Văn hóa Thanh niên tỉnh",
        260,
        230,
        0,
        30,
    ),
    ("HT-STTTT", D(2018, 10, 11), "Tập huấn dịch vụ công trực tuyến tại huyện Đức Thọ", "UBND huyện Đức Thọ", 140, 120, 10, 10),
    (
        "HT-STTTT",
        D(2018, 11, 22),
        "Tập huấn dịch vụ công trực tuyến tại thị xã Hồng Lĩnh",
        "UBND thị xã Hồng Lĩnh",
        140,
        110,
        15,
        15,
    ),
    (
        "HT-443",
        D(2018, 10, 4),
        "Tập huấn dịch vụ công trực tuyến cho xã Thiên Lộc, Thuần Thiện",
        "Hội trường UBND huyện Can Lộc",
        72,
        60,
        4,
        8,
    ),
    (
        "HT-443",
        D(2018, 11, 8),
        "Tập huấn dịch vụ công trực tuyến cho xã Vượng Lộc, Trung Lộc",
        "Hội trường UBND huyện Can Lộc",
        72,
        62,
        2,
        8,
    ),
    ("HT-443", D(2018, 12, 6), "Tập huấn dịch vụ công trực tuyến cho thị trấn Nghèn", "Thị trấn Nghèn", 73, 58, 7, 8),
    (
        "HT-444",
        D(2018, 2, 8),
        "Tập huấn dịch vụ công trực tuyến cho cán bộ một cửa cấp xã",
        "UBND huyện Hương Khê",
        223,
        170,
        13,
        40,
    ),
]

_LEAFLETS = [
    ("HT-STTTT", D(2018, 2, 26), "Tờ rơi «Nộp hồ sơ trực tuyến — không cần đến cơ quan»", "Công ty CP In Hà Tĩnh", 3740),
    ("HT-STTTT", D(2018, 4, 20), "Tờ rơi «Hướng dẫn đăng ký tài khoản Cổng dịch vụ công»", "Công ty CP In Hà Tĩnh", 4080),
    ("HT-STTTT", D(2018, 7, 12), "Tờ rơi «Thanh toán lệ phí trực tuyến»", "Công ty CP In Hà Tĩnh", 4420),
    ("HT-STTTT", D(2018, 9, 27), "Tờ rơi «Dịch vụ công mức độ 4 cho doanh nghiệp»", "Công ty CP In Hà Tĩnh", 4760),
]

# Clips on the department's fanpage, per quarter: 6, 7, 7, 10.
_CLIP_QUARTERS = [(D(2017, 12, 18), 6), (D(2018, 3, 19), 7), (D(2018, 6, 18), 7), (D(2018, 9, 17), 10)]


def rows() -> list[dict]:
    out = []
    for unit, day, title, place, people, citizens, businesses, officials in _CLASSES:
        out.append(
            {
                "org_unit": unit,
                "kind": "training_class",
                "topic": "online_services",
                "date": day,
                "title": title,
                "place": place,
                "participants": people,
                "citizens": citizens,
                "businesses": businesses,
                "officials": officials,
                "campaign": PLAN,
            }
        )
    for unit, day, title, printer, copies in _LEAFLETS:
        out.append(
            {
                "org_unit": unit,
                "kind": "leaflet_run",
                "topic": "online_services",
                "date": day,
                "title": title,
                "outlet": printer,
                "quantity": copies,
                "campaign": PLAN,
            }
        )
    n = 0
    for start, count in _CLIP_QUARTERS:
        for i in range(count):
            n += 1
            out.append(
                {
                    "org_unit": "HT-STTTT",
                    "kind": "social_post",
                    "topic": "online_services",
                    "date": start + datetime.timedelta(days=8 * i),
                    "title": f"Video clip số {n:02d}: hướng dẫn dịch vụ công trực tuyến",
                    "outlet": "Fanpage Sở Thông tin và Truyền thông Hà Tĩnh",
                    "quantity": 1,
                    "url": f"https://www.facebook.com/stttthatinh/videos/{2018000 + n}",
                    "campaign": PLAN,
                }
            )
    return out


def scan_pdf(title: str) -> bytes:
    """A one-page PDF standing in for a scanned attendance list (ASCII text; the demo has no scanner)."""
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 60 780 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
