"""The 2018 demo report's words: our own phrasing of the points the Ha Tinh 2018 report makes.

Figures inside the text are {{ indicator_code }} placeholders: the report
fills them from data, so editing a value changes the sentence.
"""

import datetime

NARRATIVE = {
    "title": "Báo cáo tình hình tuyên truyền cải cách hành chính và hiện đại hóa hành chính năm 2018",
    "issuer": "Sở Thông tin và Truyền thông",
    "place": "Hà Tĩnh",
    "intro_a": (
        "Triển khai Kế hoạch số 394/KH-UBND ngày 04/12/2016 của UBND tỉnh về tuyên truyền cải cách hành chính năm 2018, "
        "Sở Thông tin và Truyền thông đã hướng dẫn và cùng các cơ quan báo chí, các sở, ban, ngành, đoàn thể và UBND "
        "các huyện, thành phố, thị xã tổ chức thực hiện; kết quả như sau:"
    ),
    "results_a": (
        "Chương trình chuyên đề \u201cCải cách hành chính\u201d của Đài Phát thanh và Truyền hình tỉnh được đổi mới, tập trung vào "
        "tiếp nhận và trả kết quả thủ tục hành chính qua bưu chính công ích, hiệu quả của các trung tâm hành chính công, "
        "kỷ luật, kỷ cương hành chính và chính quyền điện tử.\n"
        "Sở Thông tin và Truyền thông lập fanpage \u201cHành chính công Hà Tĩnh\u201d trên Facebook và xây dựng một chuyên đề "
        "truyền thanh về cải cách hành chính phát trên hệ thống truyền thanh cơ sở.\n"
        "Chuyên đề Pháp luật và cuộc sống trên truyền hình, mục \u201cVăn bản pháp luật\u201d trên phát thanh giới thiệu chính "
        "sách về đất đai, thuế, công thương, tinh giản biên chế, cấp phép khai thác khoáng sản và dịch vụ công trực tuyến; "
        "cải cách hành chính được lồng ghép vào các chuyên mục \u201cGặp gỡ đối thoại\u201d, \u201cNông thôn mới\u201d, "
        "\u201cTrang Truyền hình các địa phương\u201d.\n"
        "Báo Hà Tĩnh duy trì chuyên mục \u201cCải cách hành chính\u201d trên báo in và báo điện tử; Đài và Báo đưa phóng sự, "
        "bài viết lên mạng xã hội, thu hút hàng chục ngàn lượt thích và chia sẻ.\n"
        "Cổng Thông tin điện tử tỉnh hoàn thành nâng cấp, lập chuyên mục \u201cCải cách hành chính\u201d và duy trì các chuyên "
        "mục \u201cDoanh nghiệp hỏi, cơ quan nhà nước trả lời\u201d, \u201cTư vấn hỗ trợ pháp lý doanh nghiệp\u201d.\n"
        "Các sở, ngành, địa phương xây dựng kế hoạch tuyên truyền cải cách hành chính theo Chương trình tổng thể cải cách "
        "hành chính nhà nước giai đoạn 2011-2020; cán bộ bộ phận một cửa trực tiếp hướng dẫn người dân dùng Cổng dịch vụ "
        "công trực tuyến của tỉnh; dịch vụ công mức độ 4 chạy tại Cục Thuế tỉnh, Cục Hải quan tỉnh, Bảo hiểm Xã hội tỉnh và "
        "Sở Tài chính.\n"
        "Trang thông tin điện tử của tất cả các sở, ngành, địa phương cập nhật, công khai thủ tục hành chính và liên kết đến "
        "Cổng dịch vụ công của tỉnh; hệ thống truyền thanh cơ sở tiếp, phát đầy đủ chương trình của tỉnh và Trung ương."
    ),
    "strengths_a": (
        "UBND tỉnh và cấp ủy, chính quyền các cấp quan tâm chỉ đạo nên Kế hoạch tuyên truyền năm 2018 được triển khai và "
        "bước đầu có kết quả; số tin, bài trên Báo Hà Tĩnh đạt {{ provincial_newspaper_articles|plan }} kế hoạch năm.\n"
        "Lợi ích của cải cách hành chính, nhất là của ứng dụng công nghệ thông tin, ngày càng rõ, giúp công tác tuyên "
        "truyền thuận lợi hơn.\n"
        "Tuyên truyền trên mạng xã hội (Facebook, Zalo) được thử nghiệm và thu hút nhiều người dân, doanh nghiệp quan tâm."
    ),
    "limitations_a": (
        "Kinh phí cho tuyên truyền còn ít; hình thức tuyên truyền chưa phong phú.\n"
        "Một số cơ quan, địa phương chưa bố trí nguồn lực, chưa xây dựng kế hoạch và chưa báo cáo công tác tuyên truyền "
        "đúng quy định.\n"
        "Một số văn phòng đại diện, phóng viên thường trú ít tham gia; còn ít bài viết về sáng kiến cải cách và gương cán "
        "bộ tận tụy phục vụ nhân dân.\n"
        "Trạm truyền thanh cơ sở chủ yếu mới thông báo, hướng dẫn thủ tục; chưa có lịch phát riêng cho tuyên truyền cải "
        "cách hành chính."
    ),
    "recommendations_a": (
        "Đề nghị UBND tỉnh bố trí kinh phí cho tuyên truyền cải cách hành chính, nhất là trên các phương tiện truyền thông "
        "và mạng xã hội.\n"
        "Đề nghị Sở Nội vụ hướng dẫn các địa phương thực hiện Nghị quyết số 165/2015/NQ-HĐND ngày 12/12/2015 để sớm có "
        "người phụ trách trạm truyền thanh cơ sở.\n"
        "Các sở, ngành, địa phương tiếp tục tuyên truyền mục đích, ý nghĩa của cải cách hành chính và thường xuyên công "
        "khai thủ tục hành chính trên trang thông tin điện tử của mình."
    ),
    "intro_b": (
        "Thực hiện Nghị quyết số 36a/NQ-CP ngày 14/10/2015 của Chính phủ về Chính phủ điện tử và Quyết định số "
        "1819/QĐ-TTg ngày 26/10/2015 của Thủ tướng Chính phủ, tỉnh đạt được các kết quả sau trong xây dựng chính quyền "
        "điện tử và hiện đại hóa hành chính:"
    ),
    "results_b": (
        "Hệ thống hội nghị truyền hình trực tuyến, quản lý văn bản và điều hành, thư điện tử công vụ và Công báo điện tử "
        "vận hành ổn định, hỗ trợ tốt cho công tác cải cách hành chính.\n"
        "Sàn giao dịch thương mại điện tử của tỉnh chưa đáp ứng yêu cầu mới; dự án nâng cấp Sàn đang được lập.\n"
        "Mọi cơ quan hành chính từ cấp tỉnh đến cấp xã đã có máy tính kết nối Internet; gửi nhận văn bản điện tử và chữ ký "
        "số được dùng đồng bộ từ tỉnh đến xã.\n"
        "Việc công khai các nhóm thông tin theo Quyết định 739/QĐ-UBND ngày 22/3/2017 được triển khai, nhưng còn thiếu nhiều "
        "nội dung ở Vũ Quang, Hương Khê, thị xã Kỳ Anh và huyện Kỳ Anh.\n"
        "Toàn bộ {{ online_dossiers_commune }} hồ sơ dịch vụ công trực tuyến cấp xã phát sinh tại thị xã Hồng Lĩnh.\n"
        "Phần mềm tác nghiệp nội bộ dùng nhiều năm từ cấp tỉnh đến cấp huyện và một số xã; vài xã dùng chưa hiệu quả vì "
        "lãnh đạo xã chưa dùng phần mềm, văn bản vẫn trình duyệt trên giấy (Vũ Quang, thị xã Kỳ Anh, huyện Kỳ Anh, huyện "
        "Lộc Hà…). Một cửa điện tử đang được nhân rộng xuống cấp xã.\n"
        "Phần mềm quản lý cán bộ, công chức, viên chức của Sở Nội vụ dùng ở mọi sở, ngành, huyện; một số đơn vị chưa cập "
        "nhật đủ thông tin từng hồ sơ. Dữ liệu khám chữa bệnh đã liên thông về hệ thống quản lý hồ sơ sức khỏe."
    ),
    "strengths_b": (
        "An toàn thông tin trong các cơ quan nhà nước được bảo đảm thường xuyên, có hiệu quả, hỗ trợ xây dựng chính quyền "
        "điện tử các cấp.\n"
        "Việc công khai, minh bạch thông tin theo Quyết định 739/QĐ-UBND được giám sát và đánh giá cụ thể; thông tin tài "
        "chính, ngân sách được công khai tốt hơn.\n"
        "Các văn bản chỉ đạo triển khai Chỉ thị số 08/CT-UBND ngày 17/05/2018 về dịch vụ công trực tuyến mức độ 3, 4 được "
        "ban hành kịp thời."
    ),
    "limitations_b": (
        "Ứng dụng công nghệ thông tin ở một số đơn vị cấp huyện, cấp xã và đơn vị sự nghiệp còn hạn chế; số hồ sơ dịch "
        "vụ công trực tuyến ({{ online_dossiers }} hồ sơ) còn thấp so với số dịch vụ đã cung cấp.\n"
        "Một số nhóm thông tin về đất đai, dân cư, tài chính chưa được công khai đầy đủ, kịp thời trên cổng thông tin của "
        "các cơ quan.\n"
        "Chưa có dự án tổng thể về công nghệ thông tin cho toàn tỉnh nên còn nhiều hệ thống rời rạc; các cơ sở dữ liệu "
        "quan trọng (đất đai, quy hoạch, dân cư…) chưa được xây dựng.\n"
        "Nhân lực cho chính quyền điện tử còn yếu, nhất là về an toàn thông tin; một số đơn vị chưa có cán bộ chuyên trách."
    ),
    "recommendations_b": (
        "Kiến nghị Chính phủ và Bộ Thông tin và Truyền thông hỗ trợ tỉnh phát triển mạng truyền số liệu chuyên dùng đến "
        "cấp xã, triển khai nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh (LGSP), các giải pháp an toàn thông tin và đào "
        "tạo nhân lực công nghệ thông tin chất lượng cao."
    ),
    "signer_title": "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
    "signer_name": "Bùi Đắc Thế",
    "recipients": "UBND tỉnh (b/c);\nSở Nội vụ;\nLãnh đạo Sở;\nLưu: VT, CNTT, TTBCXB.",
}

# The directive documents of 2018 as the report lists them (facts: numbers, dates, issuers, subjects).
# The last two are the report's bullets on advice given rather than single documents: no kind, no number.
DIRECTIVES = [
    (
        "Kế hoạch",
        "425/KH-UBND",
        datetime.date(2017, 12, 18),
        "UBND tỉnh",
        "Ứng dụng công nghệ thông tin trong hoạt động của cơ quan nhà nước tỉnh Hà Tĩnh năm 2018",
    ),
    (
        "Văn bản",
        "512/UBND-KGVX1",
        datetime.date(2018, 1, 30),
        "UBND tỉnh",
        "Tăng cường bảo đảm an toàn thông tin mạng trong dịp Tết Nguyên đán Mậu Tuất năm 2018",
    ),
    (
        "Chỉ thị",
        "08/CT-UBND",
        datetime.date(2018, 5, 17),
        "UBND tỉnh",
        "Tăng cường hiệu quả khai thác, sử dụng dịch vụ công trực tuyến mức độ 3, mức độ 4",
    ),
    (
        "Văn bản",
        "379/STTTT-CNTT",
        datetime.date(2018, 5, 21),
        "Sở Thông tin và Truyền thông",
        "Thực hiện Chỉ thị 08/CT-UBND của UBND tỉnh",
    ),
    (
        "Thông báo",
        "31/TB-BCĐCNTT",
        datetime.date(2018, 4, 6),
        "Ban Chỉ đạo CNTT tỉnh",
        "Nhiệm vụ cần tập trung triển khai trong 09 tháng cuối năm 2018",
    ),
    (
        "Văn bản",
        "01/BCĐCNTT",
        datetime.date(2018, 4, 18),
        "Cơ quan thường trực Ban Chỉ đạo CNTT tỉnh",
        "Đôn đốc thực hiện các nhiệm vụ trong Quý II/2018 theo Thông báo số 31/TB-BCĐCNTT",
    ),
    (
        "Quyết định",
        "27/2018/QĐ-UBND",
        datetime.date(2018, 7, 23),
        "UBND tỉnh",
        "Sửa đổi, bổ sung một số điều của Quy chế quản lý và sử dụng hệ thống dịch vụ công trực tuyến mức độ 3 "
        "ban hành kèm theo Quyết định số 15/2016/QĐ-UBND ngày 28/4/2016",
    ),
    (
        "Kế hoạch",
        "04/KH-BCĐCNTT",
        datetime.date(2018, 8, 15),
        "Ban Chỉ đạo CNTT tỉnh",
        "Tổ chức Hội thảo Hà Tĩnh với cách mạng công nghiệp lần thứ tư; bảo đảm an toàn thông tin trong tình hình mới",
    ),
    (
        "Kế hoạch",
        "256/KH-UBND",
        datetime.date(2018, 8, 3),
        "UBND tỉnh",
        "Bảo đảm an toàn thông tin mạng trong hoạt động của cơ quan nhà nước tỉnh Hà Tĩnh giai đoạn 2018-2020",
    ),
    (
        "",
        "",
        None,
        "",
        "Tham mưu thực hiện an toàn, an ninh thông tin theo Công văn số 194/CATTT-TTTV ngày 23/4/2018, các Công văn số "
        "109/VNCERT-KTHT&GS ngày 23/4/2018 và số 85/VNCERT-DPUC của VNCERT, và triển khai Thông tư số 31/2017/TT-BTTTT về "
        "giám sát an toàn hệ thống thông tin",
    ),
    (
        "",
        "",
        None,
        "",
        "Tham mưu ban hành: quyết định kiện toàn Ban Chỉ đạo CNTT tỉnh; quyết định lập Hội đồng lựa chọn phần mềm quản lý "
        "văn bản và điều hành; kế hoạch thực hiện Kiến trúc Chính quyền điện tử tỉnh Hà Tĩnh phiên bản 1.0 giai đoạn "
        "2018-2020; chương trình hỗ trợ doanh nghiệp ứng dụng CNTT giai đoạn 2018-2020; kế hoạch ứng dụng CNTT năm 2019 "
        "theo Công văn số 3405/BTTTT-THH của Bộ Thông tin và Truyền thông; Bộ tiêu chí đánh giá chính quyền điện tử; kế "
        "hoạch ứng phó sự cố an toàn thông tin năm 2019",
    ),
]

# Kế hoạch 394/KH-UBND: the plan the 2018 outreach follows. Its yearly targets here are demo values.
CAMPAIGN = {
    "number": "394/KH-UBND",
    "issued_on": datetime.date(2016, 12, 4),
    "issuer": "UBND tỉnh",
    "title": "Tuyên truyền cải cách hành chính năm 2018",
    "targets": {
        "tv_radio_bulletins": 450,
        "provincial_newspaper_articles": 650,
        "online_service_training_classes": 60,
        "online_service_trainees": 10000,
        "leaflets_issued": 120000,
        "grassroots_radio_broadcasts": 3000,
    },
}
