"""Build the API's message catalogs: `python api/locale/build.py` (needs gettext's msgfmt).

- vi: Vietnamese for the English messages of DRF, knox and drf-spectacular that
  API users see (DRF ships ~20 of them in Vietnamese).
- en: English for the Vietnamese source strings of the API and of the services
  whose messages the API passes on (indicators.services, indicators.workflow).

Django merges every app's catalog; apps listed earlier in INSTALLED_APPS and
LOCALE_PATHS win, so these only fill what nobody else translates.
"""

import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent

VI = {
    "Authentication credentials were not provided.": "Thông tin đăng nhập không được cung cấp.",
    "Incorrect authentication credentials.": "Thông tin đăng nhập không đúng.",
    "Invalid token.": "Mã xác thực (token) không hợp lệ.",
    "Invalid token header. No credentials provided.": "Tiêu đề Authorization không hợp lệ: thiếu mã xác thực.",
    "Invalid token header. Token string should not contain spaces.": "Tiêu đề Authorization không hợp lệ: mã xác thực không được chứa dấu cách.",
    "User inactive or deleted.": "Tài khoản không còn hoạt động hoặc đã bị xóa.",
    "You do not have permission to perform this action.": "Bạn không có quyền thực hiện thao tác này.",
    "Not found.": "Không tìm thấy.",
    'Method "{method}" not allowed.': "Phương thức «{method}» không được hỗ trợ.",
    "Could not satisfy the request Accept header.": "Không đáp ứng được tiêu đề Accept của yêu cầu.",
    'Unsupported media type "{media_type}" in request.': "Không hỗ trợ kiểu nội dung «{media_type}»; hãy gửi application/json.",
    "Malformed request.": "Yêu cầu không đúng định dạng.",
    "Request was throttled.": "Quá nhiều yêu cầu.",
    "Invalid cursor": "Con trỏ phân trang không hợp lệ.",
    "Invalid page.": "Trang không hợp lệ.",
    "Invalid input.": "Dữ liệu không hợp lệ.",
    "This field is required.": "Trường này là bắt buộc.",
    "This field may not be null.": "Trường này không được để null.",
    "This field may not be blank.": "Trường này không được để trống.",
    "Not a valid string.": "Không phải là chuỗi ký tự hợp lệ.",
    "Ensure this field has no more than {max_length} characters.": "Trường này dài tối đa {max_length} ký tự.",
    "A valid integer is required.": "Cần một số nguyên hợp lệ.",
    "Ensure this value is less than or equal to {max_value}.": "Giá trị phải nhỏ hơn hoặc bằng {max_value}.",
    "Ensure this value is greater than or equal to {min_value}.": "Giá trị phải lớn hơn hoặc bằng {min_value}.",
    "String value too large.": "Chuỗi số quá dài.",
    "Must be a valid boolean.": "Phải là giá trị đúng/sai (true/false).",
    "Invalid data. Expected a dictionary, but got {datatype}.": "Dữ liệu không hợp lệ: cần một đối tượng JSON, nhận được {datatype}.",
}
VI_PLURAL = {
    ("Expected available in {wait} second.", "Expected available in {wait} seconds."): "Hãy thử lại sau {wait} giây.",
}

EN = {
    # api
    "Dữ liệu không hợp lệ; không dòng nào được lưu.": "Invalid data; no row was saved.",
    "Bạn không có quyền ghi số liệu cho một số dòng; không dòng nào được lưu.": "You may not write some of these rows; no row was saved.",
    "Số liệu đã được người khác thay đổi sau khi bạn đọc; không dòng nào được lưu. Hãy đọc lại rồi gửi lại.": "Someone changed these values after you read them; no row was saved. Read them again, then resend.",
    "Phiên bản hiện tại là %(v)s.": "The current version is %(v)s.",
    "Dữ liệu không hợp lệ.": "Invalid data.",
    "Nội dung gửi lên không phải JSON hợp lệ.": "The request body is not valid JSON.",
    "Mỗi dòng phải là một đối tượng JSON.": "Each row must be a JSON object.",
    "Cột không có trong mẫu nhập: «%(k)s».": "Not a column of the import file: «%(k)s».",
    "Phiên bản phải là số nguyên không âm.": "The version must be a non-negative integer.",
    "Tài khoản của bạn chỉ được đọc số liệu, không được ghi.": "Your account may read values but not write them.",
    "Gửi một mảng JSON (không rỗng) các dòng số liệu.": "Send a (non-empty) JSON array of value rows.",
    "Mỗi lần gửi tối đa %(n)s dòng.": "At most %(n)s rows per request.",
    "Bạn chưa thuộc đơn vị nào.": "You are not a member of any unit.",
    "Không tìm thấy chỉ tiêu «%(c)s».": "Indicator «%(c)s» not found.",
    "Chỉ lãnh đạo và cán bộ thẩm định được xem báo cáo năm.": "Only leaders and reviewers may read the annual report.",
    "Phải là true hoặc false.": "Must be true or false.",
    "Nội dung có ký tự không hợp lệ (NUL hoặc mã UTF-16 lẻ).": "The body contains invalid characters (NUL or a lone UTF-16 surrogate).",
    "Có ký tự không hợp lệ (NUL).": "Contains an invalid character (NUL).",
    "Năm phải là số nguyên từ %(a)s đến %(b)s.": "The year must be a whole number from %(a)s to %(b)s.",
    "Tệp CSV: dùng values/csv/ với cùng các bộ lọc.": "For a CSV file use values/csv/ with the same filters.",
    "Phải là một chuỗi ký tự.": "Must be a string.",
    "Phải là một số nguyên.": "Must be an integer.",
    "Phải là một số.": "Must be a number.",
    "Trường không có trong yêu cầu.": "Not a field of this request.",
    "Phải là số nguyên từ 1 trở lên.": "Must be a whole number of 1 or more.",
    "Số dòng một trang (tối đa %(n)s).": "Rows per page (at most %(n)s).",
    "Không tìm thấy đơn vị của một số dòng; không dòng nào được lưu.": "Some rows name a unit that was not found; no row was saved.",
    # api.activities
    "Tài khoản của bạn chỉ được đọc, không được ghi.": "Your account may read but not write.",
    "Gửi một mảng JSON (không rỗng) các hoạt động.": "Send a (non-empty) JSON array of activities.",
    "Gửi một tệp (file) hoặc một đường dẫn (url).": "Send a file (file) or a link (url).",
    # indicators.services
    "Số liệu đã được người khác thay đổi.": "Someone else has changed these values.",
    "Ghi chú dài quá %(n)s ký tự.": "The note is longer than %(n)s characters.",
    "Chỉ tiêu «%(c)s» là tỷ số: nhập tử số và mẫu số, không nhập giá trị.": "Indicator «%(c)s» is a ratio: enter a numerator and a denominator, not a value.",
    "Tử số phải là số nguyên không âm.": "The numerator must be a non-negative whole number.",
    "Mẫu số phải là số nguyên lớn hơn 0.": "The denominator must be a whole number greater than 0.",
    "Tử số (%(a)s) không được lớn hơn mẫu số (%(b)s).": "The numerator (%(a)s) may not exceed the denominator (%(b)s).",
    "Chỉ tiêu «%(c)s» không phải tỷ số: chỉ nhập giá trị.": "Indicator «%(c)s» is not a ratio: enter a value only.",
    "Giá trị phải là số nguyên không âm (nhận được «%(v)s»).": "The value must be a non-negative whole number (got «%(v)s»).",
    "Giá trị quá lớn.": "The value is too large.",
    "Tỷ lệ phải là số từ 0 đến 100 (nhận được «%(v)s»).": "A rate must be a number from 0 to 100 (got «%(v)s»).",
    "Tỷ lệ có nhiều nhất 2 chữ số thập phân.": "A rate has at most 2 decimal places.",
    "Không tìm thấy đơn vị «%(c)s».": "Unit «%(c)s» not found.",
    "Quý phải là 1, 2, 3 hoặc 4.": "The quarter must be 1, 2, 3 or 4.",
    "Chỉ tiêu «%(c)s» đã ngừng sử dụng.": "Indicator «%(c)s» is no longer in use.",
    "Đơn vị loại «%(k)s» không báo cáo chỉ tiêu «%(c)s».": "Units of kind «%(k)s» do not report indicator «%(c)s».",
    "Đơn vị «%(c)s» không hoạt động trong %(p)s (hiệu lực %(f)s – %(t)s).": "Unit «%(c)s» is not active in %(p)s (valid %(f)s – %(t)s).",
    "Ô số liệu này đã có ở dòng %(r)s.": "This cell is already given in row %(r)s.",
    "Báo cáo %(p)s của «%(c)s» đã được phê duyệt nên số liệu bị khóa; cần cán bộ thẩm định mở lại.": "The %(p)s report of «%(c)s» is approved, so its values are locked; a reviewer must reopen it.",
    "Bạn không có quyền nhập số liệu cho đơn vị «%(c)s».": "You may not enter values for unit «%(c)s».",
    # indicators.workflow
    "Không thể «%(a)s» báo cáo đang ở trạng thái «%(s)s».": "Cannot «%(a)s» a report whose status is «%(s)s».",
    "Bạn không có quyền gửi báo cáo của đơn vị này.": "You may not submit this unit's report.",
    "Bạn không có quyền thẩm định báo cáo của đơn vị này.": "You may not review this unit's report.",
    "Cần ghi rõ lý do.": "Please give a reason.",
    # labels that appear inside those messages
    "Đang nhập": "Draft",
    "Đã gửi duyệt": "Submitted",
    "Bị trả lại": "Returned",
    "Đã phê duyệt": "Approved",
    "Quý I": "Q1",
    "Quý II": "Q2",
    "Quý III": "Q3",
    "Quý IV": "Q4",
    "Toàn quốc": "Country",
    "Tỉnh": "Province",
    "Sở, ban, ngành": "Department",
    "Cơ quan Trung ương trên địa bàn": "Central agency in the province",
    "Cơ quan báo chí": "Press agency",
    "Huyện, thị xã, thành phố": "District",
    "Xã, phường, thị trấn": "Commune",
}


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write(lang: str, singular: dict, plural: dict, nplurals: str) -> None:
    folder = HERE / lang / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        'msgid ""',
        'msgstr ""',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        f'"Language: {lang}\\n"',
        f'"Plural-Forms: {nplurals}\\n"',
        "",
    ]
    for msgid, msgstr in singular.items():
        flag = ["#, python-format"] if "%(" in msgid else []
        lines += [*flag, f"msgid {_quote(msgid)}", f"msgstr {_quote(msgstr)}", ""]
    for (one, many), msgstr in plural.items():
        lines += [f"msgid {_quote(one)}", f"msgid_plural {_quote(many)}", f"msgstr[0] {_quote(msgstr)}", ""]
    po = folder / "django.po"
    po.write_text("# Generated by api/locale/build.py; edit that file instead.\n" + "\n".join(lines), encoding="utf-8")
    subprocess.run(["msgfmt", "--check-format", "-o", str(folder / "django.mo"), str(po)], check=True)


if __name__ == "__main__":
    write("vi", VI, VI_PLURAL, "nplurals=1; plural=0;")
    write("en", EN, {}, "nplurals=2; plural=(n != 1);")
