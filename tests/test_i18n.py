"""The English interface: a complete catalogue, English pages by the switch (remembered per user),
Vietnamese by default whatever the browser sends; the API follows Accept-Language.

Source strings are Vietnamese; `locale/en/LC_MESSAGES/django.po` translates them. After
changing a UI string, refresh and compile the catalogue:

    python manage.py makemessages -l en --ignore=.venv --ignore=staticfiles \
        --ignore='static/vendor/*' --ignore='api/*' --ignore='test-artifacts/*' --ignore='bench/*' --no-obsolete
    (translate the new entries, drop their `#, fuzzy`)
    python manage.py compilemessages -l en --ignore=.venv

The API keeps its own catalogue (api/locale, built by api/locale/build.py).
"""

import ast
import gettext
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from indicators.services import ValueRow, values_save
from reform_portal.tabular import RowsInvalid

from .conftest import DEMO_PASSWORD

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# Where makemessages looks for the project's strings (the API has its own catalogue).
SOURCE_APPS = ["campaigns", "indicators", "organizations", "reform_portal", "reports"]
GETTEXT_CALLS = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
PLACEHOLDER = re.compile(r"%\(\w+\)[0-9]*[sd]|\{\{[^}]*\}\}")


# -- reading the catalogue --------------------------------------------------------------------------
def _unquote(s: str) -> str:
    return ast.literal_eval(s)  # a .po string is a double-quoted C string; ours hold no octal escapes


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: {'flags', 'msgctxt'?, 'msgid', 'msgid_plural'?, 'msgstr': {index: text}}."""
    entries, entry, key = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry or {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif m := re.match(r'(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$', line):
            word, index, text = m.groups()
            key = ("msgstr", int(index or 0)) if word == "msgstr" else (word, None)
            if word == "msgstr":
                entry["msgstr"][key[1]] = _unquote(text)
            else:
                entry[word] = _unquote(text)
        elif line.startswith('"') and key:
            if key[0] == "msgstr":
                entry["msgstr"][key[1]] += _unquote(line)
            else:
                entry[key[0]] += _unquote(line)
        else:
            raise AssertionError(f"unreadable line in {path.name}: {line!r}")
    return entries


@pytest.fixture(scope="module")
def catalogue():
    entries = read_po(PO)
    assert entries[0]["msgid"] == "", "the header comes first"
    return entries


# -- (a) the catalogue is complete ------------------------------------------------------------------
def test_the_catalogue_header_is_english_with_two_plural_forms(catalogue):
    header = catalogue[0]
    assert "fuzzy" not in header["flags"], "a fuzzy header is ignored by msgfmt: plural forms would be lost"
    assert "Language: en\n" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"][0]


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    messages = catalogue[1:]
    assert len(messages) > 500
    assert [e["msgid"] for e in messages if "fuzzy" in e["flags"]] == []
    assert [e["msgid"] for e in messages if not all(s.strip() for s in e["msgstr"].values())] == []
    plurals = [e for e in messages if "msgid_plural" in e]
    assert plurals and all(sorted(e["msgstr"]) == [0, 1] for e in plurals)


def test_translations_keep_every_placeholder(catalogue):
    """%(name)s and {{ code }} survive translation (the singular of a plural may drop its count)."""
    wrong = []
    for e in catalogue[1:]:
        if "msgid_plural" in e:
            pairs = [(e["msgid_plural"], e["msgstr"][1])]
            if not set(PLACEHOLDER.findall(e["msgstr"][0])) <= set(PLACEHOLDER.findall(e["msgid"])):
                wrong.append(e["msgid"])
        else:
            pairs = [(e["msgid"], e["msgstr"][0])]
        wrong += [src for src, dst in pairs if sorted(PLACEHOLDER.findall(src)) != sorted(PLACEHOLDER.findall(dst))]
    assert wrong == []


def test_the_compiled_catalogue_is_up_to_date(catalogue):
    """django.mo holds exactly the .po's translations (content, not file times: git does not keep those)."""
    with MO.open("rb") as f:
        mo = gettext.GNUTranslations(f)
    stale = []
    for e in catalogue[1:]:
        ctx = e.get("msgctxt")
        if "msgid_plural" in e:
            got = [
                mo.npgettext(ctx, e["msgid"], e["msgid_plural"], n) if ctx else mo.ngettext(e["msgid"], e["msgid_plural"], n)
                for n in (1, 2)
            ]
            want = [e["msgstr"][0], e["msgstr"][1]]
        else:
            got = [mo.pgettext(ctx, e["msgid"]) if ctx else mo.gettext(e["msgid"])]
            want = [e["msgstr"][0]]
        if got != want:
            stale.append(e["msgid"])
    assert stale == [], "run: python manage.py compilemessages -l en --ignore=.venv"


def _python_msgids() -> set[str]:
    found = set()
    for app in SOURCE_APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                if name not in GETTEXT_CALLS:
                    continue
                texts = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                found.update(texts[1:] if name.startswith(("pgettext", "npgettext")) else texts)
    return found


def _template_msgids() -> set[str]:
    """What makemessages extracts from {% translate %}, {% blocktranslate %} ({{ x }} → %(x)s, % → %%) and _("…")."""
    found = set()
    for path in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"{%\s*translate\s+([\"'])(.*?)\1", text):
            found.add(m.group(2).replace("%", "%%"))
        found.update(m.group(2) for m in re.finditer(r"\b_\(([\"'])(.*?)\1\)", text))  # filter arguments
        for m in re.finditer(r"{%\s*blocktranslate\b[^%]*%}(.*?){%\s*endblocktranslate\s*%}", text, re.S):
            for part in re.split(r"{%\s*plural\s*%}", m.group(1)):
                found.add(re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", part.replace("%", "%%")))
    return found


def test_every_string_of_the_code_and_templates_is_in_the_catalogue(catalogue):
    """A new gettext/{% translate %} string fails here until makemessages + a translation add it."""
    known = {e["msgid"] for e in catalogue[1:]} | {e.get("msgid_plural") for e in catalogue[1:]}
    used = _python_msgids() | _template_msgids()
    assert len(used) > 500
    assert sorted(used - known) == []


# -- (b) pages in English on request, Vietnamese by default ------------------------------------------
def text_of(response) -> str:
    """The page as a user reads it: tags dropped, entities decoded, spaces collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def switch_to_english(client):
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert r.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


ENTRY_PAGE = "/entry/HT-443/2018/4/"  # Can Loc, Q4/2018: approved in the demo data
ENTRY_ENGLISH = [
    "Report Q4/2018 — Can Loc District",
    "Values locked.",
    "If changes are needed, ask a reviewer to reopen the report, giving a reason.",
    "Unit of measure",
    "Download the form (.xlsx)",
    "Change history",
    "Log out",
]
ENTRY_VIETNAMESE = ["Báo cáo Quý IV/2018", "Số liệu đã khóa.", "Đơn vị tính", "Tải biểu mẫu (.xlsx)", "Đăng xuất"]

DASHBOARD = "/?year=2018"
DASHBOARD_ENGLISH = [
    "Overview: Ha Tinh Province",
    "Key indicators",
    "compared with the same period of 2017",
    "Submission status for Q4/2018",
    "Up to quarter",
    "Quarterly trend",
    "Ranking of subordinate units",
]
DASHBOARD_VIETNAMESE = ["Tổng quan", "Chỉ tiêu chính", "so với cùng kỳ năm 2017", "Tình hình gửi báo cáo Quý IV/2018"]

LOGIN = "/accounts/login/"
LOGIN_ENGLISH = ["Log in", "Username", "Password", "Use the account issued by your unit's administrator."]
LOGIN_VIETNAMESE = ["Đăng nhập", "Tên đăng nhập", "Mật khẩu", "Dùng tài khoản do đơn vị quản trị cấp."]


@pytest.mark.parametrize(
    ("persona", "url", "english", "vietnamese"),
    [
        ("clerk_can_loc", ENTRY_PAGE, ENTRY_ENGLISH, ENTRY_VIETNAMESE),
        ("leader", DASHBOARD, DASHBOARD_ENGLISH, DASHBOARD_VIETNAMESE),
        (None, LOGIN, LOGIN_ENGLISH, LOGIN_VIETNAMESE),
    ],
)
def test_pages_speak_english_after_the_language_switch(client, request, persona, url, english, vietnamese):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    switch_to_english(client)
    r = client.get(url)
    assert r.status_code == 200
    page = text_of(r)
    assert '<html lang="en">' in r.content.decode()
    assert [s for s in english if s not in page] == []
    assert [s for s in vietnamese if s in page] == []


@pytest.mark.parametrize(
    ("persona", "url", "english", "vietnamese"),
    [
        ("clerk_can_loc", ENTRY_PAGE, ENTRY_ENGLISH, ENTRY_VIETNAMESE),
        ("leader", DASHBOARD, DASHBOARD_ENGLISH, DASHBOARD_VIETNAMESE),
        (None, LOGIN, LOGIN_ENGLISH, LOGIN_VIETNAMESE),
    ],
)
def test_pages_stay_vietnamese_by_default(client, request, persona, url, english, vietnamese):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    r = client.get(url)
    page = text_of(r)
    assert '<html lang="vi">' in r.content.decode()
    assert [s for s in vietnamese if s not in page] == []
    assert [s for s in english if s in page] == []


@pytest.mark.parametrize("accept", ["en-US,en;q=0.9", "en", "fr-FR,en;q=0.8"])
def test_a_browser_asking_for_english_still_gets_vietnamese(client, clerk_can_loc, accept):
    """Chromium sends en-US: a Vietnamese official whose browser is in English reads Vietnamese."""
    client.force_login(clerk_can_loc)
    r = client.get("/entry/HT-443/2019/1/", HTTP_ACCEPT_LANGUAGE=accept)
    page = text_of(r)
    assert '<html lang="vi">' in r.content.decode()
    assert "Báo cáo Quý I/2019 — Huyện Can Lộc" in page and "Gửi duyệt" in page
    assert "Report Q1/2019" not in page and "Submit for review" not in page


def test_the_login_page_is_vietnamese_for_an_english_browser(client, db):
    page = text_of(client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    assert [s for s in LOGIN_VIETNAMESE if s not in page] == []


def test_the_api_keeps_honouring_accept_language(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    r = client.get("/api/v1/org-units/HT-999/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 404 and r.headers["Content-Language"] == "en"
    assert "Accept-Language" in r.headers["Vary"]
    r = client.get("/api/v1/org-units/HT-999/")
    assert r.headers["Content-Language"] == "vi"


def test_the_choice_is_remembered_for_the_user_on_another_device(client, clerk_can_loc):
    from django.test import Client

    from organizations.models import UserPreference

    client.force_login(clerk_can_loc)
    switch_to_english(client)
    assert UserPreference.objects.get(user=clerk_can_loc).language == "en"
    # Another browser: no language cookie, an English-or-not Accept-Language does not matter.
    other = Client()
    other.force_login(clerk_can_loc)
    r = other.get("/entry/HT-443/2019/1/", HTTP_ACCEPT_LANGUAGE="vi")
    assert "Report Q1/2019 — Can Loc District" in text_of(r)
    # Switching back is remembered too.
    other.post("/i18n/setlang/", {"language": "vi", "next": "/entry/"})
    assert UserPreference.objects.get(user=clerk_can_loc).language == "vi"
    third = Client()
    third.force_login(clerk_can_loc)
    assert "Báo cáo Quý I/2019" in text_of(third.get("/entry/HT-443/2019/1/"))


def test_one_users_choice_is_not_anothers(client, clerk_can_loc, leader):
    from django.test import Client

    client.force_login(clerk_can_loc)
    switch_to_english(client)
    other = Client()
    other.force_login(leader)
    assert "Chỉ tiêu chính" in text_of(other.get(DASHBOARD))


def test_an_unknown_language_is_ignored(client, clerk_can_loc):
    from organizations.models import UserPreference

    client.force_login(clerk_can_loc)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/entry/"})
    assert not UserPreference.objects.filter(user=clerk_can_loc).exists()
    assert "Báo cáo Quý I/2019" in text_of(client.get("/entry/HT-443/2019/1/"))


def test_a_failed_login_is_explained_in_english(client, db):
    switch_to_english(client)
    r = client.post(LOGIN, {"username": "canloc", "password": DEMO_PASSWORD + "-wrong"})
    assert "Incorrect username or password. Please try again." in text_of(r)


def test_the_annual_report_reads_in_english_with_its_figures(client, leader):
    """The English report is a courtesy translation: sentence wording translated, figures filled in."""
    client.force_login(leader)
    switch_to_english(client)
    page = text_of(client.get("/reports/annual/2018/"))
    assert "SOCIALIST REPUBLIC OF VIET NAM" in page
    assert "A. ADMINISTRATIVE REFORM COMMUNICATION" in page
    assert "The provincial print and online newspapers published 700 news items and articles on administrative reform." in page
    assert "{{" not in page


def test_the_user_can_switch_back_to_vietnamese(client, leader):
    client.force_login(leader)
    switch_to_english(client)
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    page = text_of(client.get(DASHBOARD))
    assert "Chỉ tiêu chính" in page and "Key indicators" not in page


# -- (c) service messages follow the language -------------------------------------------------------
def save_errors(row: ValueRow, user) -> list[str]:
    with pytest.raises(RowsInvalid) as exc:
        values_save(rows=[row], by=user)
    return [str(e.message) for e in exc.value.errors]


@pytest.mark.parametrize(
    ("row", "english", "vietnamese"),
    [
        (
            ValueRow("HT-999", "leaflets_issued", 2019, 1, value=1),
            "Unit «HT-999» not found.",
            "Không tìm thấy đơn vị «HT-999».",
        ),
        (
            ValueRow("HT-443", "leaflets_issued", 2019, 1, value="-3"),
            "The value must be a non-negative whole number (got «-3»).",
            "Giá trị phải là số nguyên không âm (nhận được «-3»).",
        ),
        (
            ValueRow("HT-443", "commune_websites", 2019, 1, numerator=21, denominator=20),
            "The numerator (21) may not exceed the denominator (20).",
            "Tử số (21) không được lớn hơn mẫu số (20).",
        ),
    ],
)
def test_values_save_messages_follow_the_language(db, clerk_can_loc, row, english, vietnamese):
    with translation.override("en"):
        assert save_errors(row, clerk_can_loc) == [english]
    with translation.override("vi"):
        assert save_errors(row, clerk_can_loc) == [vietnamese]
