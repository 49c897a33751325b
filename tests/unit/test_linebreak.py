"""Report lines break between Thai words and keep numbers whole (monitor.reports.linebreak)."""

from monitor.reports.linebreak import units, wrap


def test_a_school_name_splits_into_its_words():
    assert units("โรงเรียนบ้านหนองบัววิทยาคม") == ["โรงเรียน", "บ้าน", "หนอง", "บัว", "วิทยาคม"]


def test_numbers_durations_dates_and_codes_stay_whole():
    pieces = units("ขัดข้อง 148:33:00 ชม. ร้อยละ 99.50% วันที่ 12/10/2569 router-bkk01")
    for whole in ("148:33:00", "99.50%", "12/10/2569", "router-bkk01"):
        assert whole in pieces


def test_punctuation_keeps_to_its_word():
    assert units("(เขต 1)") == ["(เขต", " ", "1)"]
    assert "ขัดข้อง," in units("ขัดข้อง, แก้ไขแล้ว")


def test_wrap_breaks_only_between_words():
    lines = wrap("โรงเรียนบ้านหนองบัววิทยาคม", 12, len)
    assert lines == ["โรงเรียนบ้าน", "หนองบัว", "วิทยาคม"]


def test_wrap_drops_the_space_at_a_break_and_keeps_the_indent():
    lines = wrap("\u2003\u2003ตามที่ได้ติดตาม การทำงาน 148:33:00", 14, len)
    assert lines[0].startswith("\u2003\u2003")
    assert all(not line.startswith(" ") and not line.endswith(" ") for line in lines)
    assert "148:33:00" in lines


def test_wrap_keeps_newlines():
    assert wrap("หนึ่ง\nสอง", 40, len) == ["หนึ่ง", "สอง"]


def test_a_word_longer_than_the_line_is_cut_between_character_clusters():
    lines = wrap("ประถมศึกษา", 4, len)
    assert "".join(lines) == "ประถมศึกษา"
    # never a line that starts with a vowel or tone mark that belongs to the consonant before it
    assert not any(
        line[0] in "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e48\u0e49" for line in lines
    )


def test_text_that_fits_is_one_line():
    assert wrap("สำนักงานเขต 1", 100, len) == ["สำนักงานเขต 1"]


def test_a_no_break_space_holds_a_date_together():
    assert units("5\u00a0ต.ค.\u00a02569 08:00") == ["5\u00a0ต.ค.\u00a02569", " ", "08:00"]
