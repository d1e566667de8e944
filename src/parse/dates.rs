//! Feed dates as feeds really write them, turned into UTC instants.
//!
//! In: the text of one date element (`pubDate`, `dc:date`, `updated`,
//! `date_published`, …) and the offset to assume when the text names no zone.
//! Out: `Some(instant)` when the text names one unambiguous instant, `None`
//! otherwise. This module never invents a date: an unparseable text is `None`,
//! and the caller keeps the item with a fallback date and logs a warning.
//! It never looks at the clock either; [`clamp_future`] takes "now" from the
//! caller.
//!
//! What it accepts, and why (shapes counted in `../shared/corpus`):
//! - RFC 3339 / ISO 8601 and its sloppy cousins (`2018-03-21 10:27:32`, no
//!   seconds, no zone, `+0300` without a colon, date only): about 60 % of the
//!   dates in the feed corpus.
//! - RFC 822 / RFC 2822 (`Wed, 21 Mar 2018 10:27:32 +0300`), with its
//!   obsolete zone names (`GMT`, `EST`, … RFC 822 §5.1) and the one Russian
//!   sites use, `MSK` (UTC+3 since 2014); the weekday is ignored because feeds
//!   get it wrong or write it in another language (`mer,` in an Italian feed).
//! - Russian, Kazakh and Italian month names in any case and in the
//!   nominative, genitive or abbreviated form (`Пт, 10 авг 2018`,
//!   `21 марта 2018 г. 10:27`, `21 Март 2018`): Russian sites localise
//!   `pubDate` although RSS 2.0 forbids it, and feedparser parses none of them.
//! - `dd.mm.yyyy` (the Russian order), `yyyy/m/d`, month-first English
//!   (`Sat, Dec 16 2023 02:02:33 PM`), 12-hour clocks, Unix epoch seconds.
//!
//! What it refuses: relative dates (`сегодня в 14:05`, `вчера`), which need a
//! "today" the feed does not give; out-of-range fields (`32 Jan`, `25:61`);
//! `dd/mm` vs `mm/dd` orders it cannot tell apart; any word it does not know.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Offset, TimeDelta, TimeZone, Utc};

/// Parses feed dates, assuming `default_offset` for texts that name no zone.
///
/// Build one per source and hand [`DateParser::parse`] to feed-rs's
/// `Builder::timestamp_parser`.
#[derive(Debug, Clone, Copy)]
pub struct DateParser {
    default_offset: FixedOffset,
}

impl DateParser {
    /// A parser that reads zone-less dates as times at `default_offset`
    /// (UTC unless the source's configuration says otherwise: Kazakh sites
    /// write local time, UTC+5).
    pub fn new(default_offset: FixedOffset) -> Self {
        Self { default_offset }
    }

    /// A parser that reads zone-less dates as UTC.
    pub fn utc() -> Self {
        Self::new(utc_offset())
    }

    /// The instant `text` names, or `None` when it names none unambiguously.
    pub fn parse(&self, text: &str) -> Option<DateTime<Utc>> {
        parse(text, self.default_offset)
    }
}

/// The instant `text` names, or `None` when it names none unambiguously.
/// Texts without a zone are read as times at `default_offset`.
pub fn parse(text: &str, default_offset: FixedOffset) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Some(instant) = parse_epoch(text) {
        return Some(instant);
    }
    let mut fields = Fields::default();
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .collect();
    for (index, token) in tokens.iter().enumerate() {
        fields.take(token, index == 0)?;
    }
    fields.instant(default_offset)
}

/// `date`, unless it lies more than `allowed_skew` after `now`; then `now`.
///
/// Feeds announce items "published" in 2101 (a typo, or a sticky post kept
/// on top); a reader that sorts by date would pin them above everything for
/// decades. The caller logs a warning when the result differs from `date`.
pub fn clamp_future(
    date: DateTime<Utc>,
    now: DateTime<Utc>,
    allowed_skew: TimeDelta,
) -> DateTime<Utc> {
    if date > now + allowed_skew { now } else { date }
}

fn utc_offset() -> FixedOffset {
    Utc.fix()
}

/// Unix epoch seconds (9–10 digits, 2001-09-09 until 2286) or milliseconds
/// (13 digits). Shorter or longer digit runs are more likely something else.
fn parse_epoch(text: &str) -> Option<DateTime<Utc>> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i64 = text.parse().ok()?;
    match text.len() {
        9 | 10 => DateTime::from_timestamp(value, 0),
        13 => DateTime::from_timestamp_millis(value),
        _ => None,
    }
}

/// The pieces of a date collected token by token.
#[derive(Debug, Default)]
struct Fields {
    day: Option<u32>,
    month: Option<u32>,
    year: Option<i32>,
    time: Option<NaiveTime>,
    /// `Some(true)` for PM, `Some(false)` for AM.
    pm: Option<bool>,
    offset: Option<FixedOffset>,
}

impl Fields {
    /// Takes one whitespace/comma-separated token; `None` when the token
    /// cannot be part of a date (an unknown word, a second year, …).
    fn take(&mut self, raw: &str, first: bool) -> Option<()> {
        let lower = raw.to_lowercase();
        // "г." (year), "нояб." (abbreviation): a trailing dot carries nothing.
        let token = lower.trim_end_matches('.');
        if token.is_empty() || matches!(token, "-" | "|" | "@" | "/") {
            return Some(());
        }
        let first_char = token.chars().next()?;
        if first_char.is_ascii_digit() {
            return self.take_numeric(token);
        }
        if first_char == '+' || first_char == '-' {
            return self.set_offset(parse_offset(token)?);
        }
        // A zone name with an offset glued on: "GMT+3", "UTC+05:00".
        for prefix in ["gmt", "utc"] {
            if let Some(rest) = token.strip_prefix(prefix)
                && (rest.starts_with('+') || rest.starts_with('-'))
            {
                return self.set_offset(parse_offset(rest)?);
            }
        }
        if let Some(month) = month_number(token) {
            return set_once(&mut self.month, month);
        }
        if let Some(offset) = zone_offset(token) {
            return self.set_offset(offset);
        }
        match token {
            "am" => return set_once(&mut self.pm, false),
            "pm" => return set_once(&mut self.pm, true),
            // "2018 г." / "2018 года" (year), "2018 ж." / "жылғы" (Kazakh
            // "year"), "в 10:27" / "at 10:27".
            "г" | "года" | "ж" | "жылғы" | "в" | "at" => return Some(()),
            _ => {}
        }
        if is_weekday(token) || (first && token.chars().all(char::is_alphabetic)) {
            // A leading word is a weekday in some language ("mer,", "Среда,"):
            // RFC 2822 §3.3 makes it redundant, and feeds get it wrong.
            return Some(());
        }
        None
    }

    fn take_numeric(&mut self, token: &str) -> Option<()> {
        // ISO 8601 with the time glued on: 2018-03-21T10:27:32+03:00.
        // (Only after a dashed date: "1st" and "17th" contain a 't' too.)
        if let Some((date, time)) = token.split_once('t')
            && date.contains('-')
        {
            self.take_numeric(date)?;
            return self.take_time(time);
        }
        if token.contains(':') {
            return self.take_time(token);
        }
        for separator in ['-', '.', '/'] {
            if token.contains(separator) {
                return self.take_numeric_date(token, separator);
            }
        }
        // "17th", "1st", "2nd", "3rd": English ordinals before a month.
        let digits = token.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        if digits.len() != token.len()
            && !matches!(&token[digits.len()..], "st" | "nd" | "rd" | "th")
        {
            return None;
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value: i32 = digits.parse().ok()?;
        if digits.len() == 4 {
            return set_once(&mut self.year, value);
        }
        if digits.len() > 2 {
            return None;
        }
        if self.day.is_none() {
            return set_once(&mut self.day, u32::try_from(value).ok()?);
        }
        // RFC 822 §5.1 allows two-digit years; RFC 2822 §4.3 reads 00–49 as
        // 20xx and 50–99 as 19xx.
        let year = if value < 50 {
            2000 + value
        } else {
            1900 + value
        };
        set_once(&mut self.year, year)
    }

    /// `2018-03-21`, `21.03.2018`, `2018/1/10`: numeric dates whose order is
    /// unambiguous. A leading four-digit year means year-month-day; otherwise
    /// only the dotted day.month.year of Russian and German sites is
    /// accepted, because `01/02/2018` means different days in different
    /// countries.
    fn take_numeric_date(&mut self, token: &str, separator: char) -> Option<()> {
        let parts: Vec<&str> = token.split(separator).collect();
        let [a, b, c] = parts.as_slice() else {
            return None;
        };
        if ![a, b, c]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|x| x.is_ascii_digit()))
        {
            return None;
        }
        let (year, month, day) = if a.len() == 4 {
            (*a, *b, *c)
        } else if separator == '.' && c.len() == 4 {
            (*c, *b, *a)
        } else {
            return None;
        };
        set_once(&mut self.year, year.parse().ok()?)?;
        set_once(&mut self.month, month.parse().ok()?)?;
        set_once(&mut self.day, day.parse().ok()?)
    }

    /// `10:27`, `10:27:32`, `10:27:32.123`, optionally followed by a zone
    /// (`Z`, `+03:00`, `+0300`) or by `am`/`pm`.
    fn take_time(&mut self, token: &str) -> Option<()> {
        let end = token
            .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
            .unwrap_or(token.len());
        let (clock, rest) = token.split_at(end);
        let mut parts = clock.split(':');
        let hour: u32 = parse_digits(parts.next()?, 1, 2)?;
        let minute: u32 = parse_digits(parts.next()?, 2, 2)?;
        let (second, nano) = match parts.next() {
            Some(seconds) => match seconds.split_once('.') {
                Some((whole, fraction)) => (parse_digits(whole, 2, 2)?, parse_fraction(fraction)?),
                None => (parse_digits(seconds, 2, 2)?, 0),
            },
            None => (0, 0),
        };
        if parts.next().is_some() {
            return None;
        }
        let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nano)?;
        set_once(&mut self.time, time)?;
        match rest {
            "" => Some(()),
            "z" => self.set_offset(utc_offset()),
            "am" => set_once(&mut self.pm, false),
            "pm" => set_once(&mut self.pm, true),
            _ => self.set_offset(parse_offset(rest)?),
        }
    }

    fn set_offset(&mut self, offset: FixedOffset) -> Option<()> {
        set_once(&mut self.offset, offset)
    }

    fn instant(self, default_offset: FixedOffset) -> Option<DateTime<Utc>> {
        let date = NaiveDate::from_ymd_opt(self.year?, self.month?, self.day?)?;
        let mut time = self.time.unwrap_or(NaiveTime::MIN);
        if let Some(pm) = self.pm {
            let hour = chrono::Timelike::hour(&time);
            if !(1..=12).contains(&hour) {
                return None;
            }
            let hour24 = match (pm, hour) {
                (false, 12) => 0,
                (true, 12) => 12,
                (true, h) => h + 12,
                (false, h) => h,
            };
            time = chrono::Timelike::with_hour(&time, hour24)?;
        }
        let offset = self.offset.unwrap_or(default_offset);
        let local = offset.from_local_datetime(&date.and_time(time)).single()?;
        Some(local.with_timezone(&Utc))
    }
}

/// Stores `value` in an empty slot; a second value for the same field
/// ("two years") means the text is not a date we understand.
fn set_once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

fn parse_digits(text: &str, min_len: usize, max_len: usize) -> Option<u32> {
    if text.len() < min_len || text.len() > max_len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Nanoseconds from the digits after the decimal point of the seconds
/// (`.5` is 500 ms); digits past the ninth are dropped.
fn parse_fraction(digits: &str) -> Option<u32> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let kept = &digits[..digits.len().min(9)];
    let value: u32 = kept.parse().ok()?;
    let scale = 10u32.pow(u32::try_from(9 - kept.len()).ok()?);
    Some(value * scale)
}

/// `+0300`, `+03:00`, `+03`, `-0500`, `-05:00`; minutes must be below 60 and
/// the offset below 24 h.
fn parse_offset(text: &str) -> Option<FixedOffset> {
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = match digits.split_once(':') {
        Some((h, m)) => (parse_digits(h, 1, 2)?, parse_digits(m, 2, 2)?),
        // Four bytes may hold fewer characters ("2ƿ7"): slicing at byte 2
        // would panic, so only ASCII digits are split (found by fuzzing).
        None if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) => (
            parse_digits(&digits[..2], 2, 2)?,
            parse_digits(&digits[2..], 2, 2)?,
        ),
        None => (parse_digits(digits, 1, 2)?, 0),
    };
    if minutes >= 60 {
        return None;
    }
    let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
    FixedOffset::east_opt(sign * seconds)
}

/// Zone names feeds use. RFC 822 §5.1 defines UT/GMT and the North American
/// ones; MSK is Moscow time (UTC+3 all year since October 2014; UTC+4 "MSD"
/// summer time ended in 2011), the zone Russian sites name. Military
/// single-letter zones other than Z are left out: RFC 2822 §4.3 says their
/// sign was specified backwards and they carry no information.
fn zone_offset(token: &str) -> Option<FixedOffset> {
    let hours = match token {
        "z" | "ut" | "utc" | "gmt" => 0,
        "est" => -5,
        "edt" => -4,
        "cst" => -6,
        "cdt" => -5,
        "mst" => -7,
        "mdt" => -6,
        "pst" => -8,
        "pdt" => -7,
        "wet" => 0,
        "west" | "cet" | "bst" => 1,
        "cest" | "eet" => 2,
        "eest" | "msk" | "мск" => 3,
        "msd" => 4,
        _ => return None,
    };
    FixedOffset::east_opt(hours * 3600)
}

/// Month names: English, Russian (nominative, genitive, abbreviations),
/// Kazakh (with the possessive ending a date uses: "наурызы") and Italian
/// (present in the feed corpus: `rss_2.0_ilmessaggero.xml`).
fn month_number(token: &str) -> Option<u32> {
    const MONTHS: [&[&str]; 12] = [
        &[
            "jan",
            "january",
            "янв",
            "январь",
            "января",
            "қаңтар",
            "gen",
            "gennaio",
        ],
        &[
            "feb",
            "february",
            "фев",
            "февр",
            "февраль",
            "февраля",
            "ақпан",
            "febbraio",
        ],
        &["mar", "march", "мар", "март", "марта", "наурыз", "marzo"],
        &["apr", "april", "апр", "апрель", "апреля", "сәуір", "aprile"],
        &["may", "май", "мая", "мамыр", "mag", "maggio"],
        &[
            "jun",
            "june",
            "июн",
            "июнь",
            "июня",
            "маусым",
            "giu",
            "giugno",
        ],
        &[
            "jul",
            "july",
            "июл",
            "июль",
            "июля",
            "шілде",
            "lug",
            "luglio",
        ],
        &[
            "aug",
            "august",
            "авг",
            "август",
            "августа",
            "тамыз",
            "ago",
            "agosto",
        ],
        &[
            "sep",
            "sept",
            "september",
            "сен",
            "сент",
            "сентябрь",
            "сентября",
            "қыркүйек",
            "set",
            "settembre",
        ],
        &[
            "oct",
            "october",
            "окт",
            "октябрь",
            "октября",
            "қазан",
            "ott",
            "ottobre",
        ],
        &[
            "nov",
            "november",
            "ноя",
            "нояб",
            "ноябрь",
            "ноября",
            "қараша",
            "novembre",
        ],
        &[
            "dec",
            "december",
            "дек",
            "декабрь",
            "декабря",
            "желтоқсан",
            "dic",
            "dicembre",
        ],
    ];
    for (index, names) in MONTHS.iter().enumerate() {
        let matches = names.iter().any(|name| {
            // Kazakh adds a possessive suffix in dates ("21 наурызы"/"шілдесі").
            token == *name
                || (name.chars().count() > 4
                    && !name.is_ascii()
                    && token.starts_with(name)
                    && token.chars().count() <= name.chars().count() + 3)
        });
        if matches {
            return u32::try_from(index + 1).ok();
        }
    }
    None
}

/// Weekday names that may appear without the comma that marks a leading
/// weekday ("Среда 21 марта").
fn is_weekday(token: &str) -> bool {
    const WEEKDAYS: &[&str] = &[
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "пн",
        "вт",
        "ср",
        "чт",
        "пт",
        "сб",
        "вс",
        "понедельник",
        "вторник",
        "среда",
        "четверг",
        "пятница",
        "суббота",
        "воскресенье",
    ];
    WEEKDAYS.contains(&token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> Option<String> {
        parse(text, utc_offset()).map(|d| d.to_rfc3339())
    }

    #[test]
    fn an_offset_with_a_multibyte_character_is_no_date_and_no_panic() {
        assert_eq!(utc("1+2ƿ7"), None);
        assert_eq!(utc("Fri, 10 Aug 2018 23:43:00 +2ƿ7"), None);
    }

    fn at(rfc3339: &str) -> Option<String> {
        Some(
            DateTime::parse_from_rfc3339(rfc3339)
                .expect("test instant is RFC 3339")
                .with_timezone(&Utc)
                .to_rfc3339(),
        )
    }

    #[test]
    fn rfc822_dates_with_numeric_and_named_zones_parse() {
        assert_eq!(
            utc("Wed, 21 Mar 2018 10:27:32 +0300"),
            at("2018-03-21T07:27:32Z")
        );
        assert_eq!(
            utc("Wed, 21 Mar 2018 10:27:32 GMT"),
            at("2018-03-21T10:27:32Z")
        );
        assert_eq!(
            utc("Wed, 9 Nov 2011 10:27:32  EST"),
            at("2011-11-09T15:27:32Z")
        );
        assert_eq!(
            utc("Wed, 21 Mar 2018 10:27 EDT"),
            at("2018-03-21T14:27:00Z")
        );
        assert_eq!(
            utc("Wed, 21 Mar 2018 10:27:32 Z"),
            at("2018-03-21T10:27:32Z")
        );
        assert_eq!(utc("21 Mar 18 10:27:32 -0000"), at("2018-03-21T10:27:32Z"));
    }

    #[test]
    fn moscow_time_and_central_asian_offsets_parse_to_the_right_instant() {
        assert_eq!(
            utc("Wed, 21 Mar 2018 10:27:32 MSK"),
            at("2018-03-21T07:27:32Z")
        );
        assert_eq!(
            utc("Wed, 21 Mar 2018 10:27:32 +0500"),
            at("2018-03-21T05:27:32Z")
        );
        assert_eq!(
            utc("Wed, 21 Mar 2018 10:27:32 +0600"),
            at("2018-03-21T04:27:32Z")
        );
        assert_eq!(utc("2018-03-21T10:27:32+06:00"), at("2018-03-21T04:27:32Z"));
    }

    #[test]
    fn russian_day_and_month_names_parse() {
        assert_eq!(
            utc("Пт, 10 авг 2018 23:43:00 GMT"),
            at("2018-08-10T23:43:00Z")
        );
        assert_eq!(
            utc("Ср, 21 мар 2018 10:27:32 +0300"),
            at("2018-03-21T07:27:32Z")
        );
        assert_eq!(utc("21 марта 2018 10:27"), at("2018-03-21T10:27:00Z"));
        assert_eq!(
            utc("21 Март 2018, 10:27:32 +0300"),
            at("2018-03-21T07:27:32Z")
        );
        assert_eq!(
            utc("Среда, 21 марта 2018 г. 10:27"),
            at("2018-03-21T10:27:00Z")
        );
        assert_eq!(utc("21 марта 2018 г."), at("2018-03-21T00:00:00Z"));
        assert_eq!(utc("3 мая 2019 в 08:15 МСК"), at("2019-05-03T05:15:00Z"));
        assert_eq!(utc("5 нояб. 2019 12:00"), at("2019-11-05T12:00:00Z"));
    }

    #[test]
    fn kazakh_and_italian_month_names_parse() {
        assert_eq!(
            utc("2018 жылғы 21 наурыз 10:27"),
            at("2018-03-21T10:27:00Z")
        );
        assert_eq!(
            utc("mer, 16 nov 2022 00:38:15 +0100"),
            at("2022-11-15T23:38:15Z")
        );
        assert_eq!(
            utc("gio, 17 giugno 2021 08:00:00 +0200"),
            at("2021-06-17T06:00:00Z")
        );
    }

    #[test]
    fn dates_without_a_zone_use_the_default_offset() {
        let almaty = FixedOffset::east_opt(5 * 3600).expect("valid offset");
        assert_eq!(
            parse("21 марта 2018 10:27", almaty).map(|d| d.to_rfc3339()),
            at("2018-03-21T05:27:00Z")
        );
        assert_eq!(
            DateParser::new(almaty)
                .parse("2018-03-21 10:27:32")
                .map(|d| d.to_rfc3339()),
            at("2018-03-21T05:27:32Z")
        );
        assert_eq!(
            DateParser::utc()
                .parse("2018-03-21 10:27:32")
                .map(|d| d.to_rfc3339()),
            at("2018-03-21T10:27:32Z")
        );
    }

    #[test]
    fn rfc3339_and_its_sloppy_variants_parse() {
        assert_eq!(utc("2018-03-21T10:27:32Z"), at("2018-03-21T10:27:32Z"));
        assert_eq!(
            utc("2018-03-21T10:27:32.123-04:00"),
            at("2018-03-21T14:27:32.123Z")
        );
        assert_eq!(
            utc("2019-10-12T07:20:50.52Z"),
            at("2019-10-12T07:20:50.52Z")
        );
        assert_eq!(utc("2018-03-21T10:27:32+0300"), at("2018-03-21T07:27:32Z"));
        assert_eq!(utc("2018-03-21t10:27:32z"), at("2018-03-21T10:27:32Z"));
        assert_eq!(utc("2018-03-21T10:27"), at("2018-03-21T10:27:00Z"));
        assert_eq!(utc("2018-03-21 10:27:32"), at("2018-03-21T10:27:32Z"));
        assert_eq!(utc("2018-03-21"), at("2018-03-21T00:00:00Z"));
        assert_eq!(
            utc("2018-03-21 10:27:32 +03:00"),
            at("2018-03-21T07:27:32Z")
        );
    }

    #[test]
    fn numeric_day_month_year_epoch_and_month_first_forms_parse() {
        assert_eq!(utc("21.03.2018 10:27:32"), at("2018-03-21T10:27:32Z"));
        assert_eq!(utc("2020/1/10 14:33:00"), at("2020-01-10T14:33:00Z"));
        assert_eq!(utc("1521617252"), at("2018-03-21T07:27:32Z"));
        assert_eq!(utc("1521617252000"), at("2018-03-21T07:27:32Z"));
        assert_eq!(
            utc("Sat, Dec 16 2023 02:02:33 PM"),
            at("2023-12-16T14:02:33Z")
        );
        assert_eq!(
            utc("December 17th, 2022 12:05 am"),
            at("2022-12-17T00:05:00Z")
        );
        assert_eq!(
            utc("Sat, 16 Dec 2023 00:00:00 GMT+3"),
            at("2023-12-15T21:00:00Z")
        );
    }

    #[test]
    fn unparseable_or_ambiguous_dates_are_none() {
        for text in [
            "",
            "   ",
            "сегодня в 14:05",
            "вчера, 09:15",
            "Mon, 32 Jan 2018 25:61:00 +0300",
            "Mon, 31 Feb 2018 10:00:00 +0300",
            "Wed, 21 Mar 2018 25:00:00 GMT",
            "01/02/2018",
            "21 Mar 2018 10:27:32 +0390",
            "21 Mar 2018 10:27:32 XYZ",
            "21 Mar 2018 2019",
            "hello world",
            "12345",
            "2018-03-21T10:27:32+99:9",
            "13:00 pm 21 Mar 2018",
        ] {
            assert_eq!(utc(text), None, "{text:?} must not parse");
        }
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        for text in [
            "\u{0}\u{ffff}",
            "+",
            "-",
            ":",
            "t",
            "9999999999999999999999",
            "2018-03-21T",
            "::::",
            "+:",
            "ж",
            "99.99.9999",
            "1.2.3.4",
            "pm pm",
            "0000-00-00",
            "+99999999",
        ] {
            let _ = utc(text);
        }
    }

    #[test]
    fn future_dates_beyond_the_allowed_skew_are_clamped_to_now() {
        let now = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        let skew = TimeDelta::minutes(10);
        let far = utc_instant("2101-01-01T00:00:00Z");
        let near = now + TimeDelta::minutes(5);
        let past = utc_instant("2020-01-01T00:00:00Z");
        assert_eq!(clamp_future(far, now, skew), now);
        assert_eq!(clamp_future(near, now, skew), near);
        assert_eq!(clamp_future(past, now, skew), past);
    }

    fn utc_instant(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("valid")
            .with_timezone(&Utc)
    }
}
